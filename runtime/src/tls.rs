//! Which TLS stack serves https base URLs: chosen by promptfn's features (`rustls`, the
//! default; `rustls-ring`; `native-tls`), as reqwest offers them.

use crate::error::{Error, Result};

/// Whether a TLS feature is enabled.
pub(crate) const ENABLED: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// An https base URL without any TLS feature would fail at every request: say so at build time.
pub(crate) fn check_available(base_url: &str) -> Result<()> {
    if ENABLED || !base_url.starts_with("https://") {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the base URL `{base_url}` uses https, but promptfn was built without TLS: enable one of \
         its features `rustls` (the default), `rustls-ring` or `native-tls`"
    )))
}

/// With `rustls-ring` alone, rustls has no provider compiled in as its default and reqwest
/// needs one installed before it builds a client: install ring's, unless the application
/// installed a provider of its own first.
#[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
pub(crate) fn install_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread's installation is fine: a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Every other feature set brings its own default provider.
#[cfg(not(all(feature = "rustls-ring", not(feature = "rustls"))))]
pub(crate) fn install_provider() {}
