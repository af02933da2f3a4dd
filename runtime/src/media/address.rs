//! Where media downloads may go: not to this machine or its private networks, unless asked.
//!
//! A media URL comes with the caller's data, which may come from a user or a model. Downloaded
//! and sent to the model server, an internal address (a cloud metadata service, an admin page
//! on loopback, a database on the private network) would hand what it answers to the model
//! (server-side request forgery). Downloads therefore go to public addresses only: a URL naming
//! an address is checked before connecting ([`refusal`]), a host name once resolved (every
//! address it resolves to, by the [`PublicOnly`] resolver, so that DNS cannot point elsewhere
//! after the check), and so is every redirect ([`redirect_policy`]). Those who serve media from
//! their own network opt in with `MediaPolicy::allow_private_addresses(true)`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How many redirects one download follows.
const MAX_REDIRECTS: usize = 10;

/// The opt-in, as the errors name it.
const OPT_IN: &str = "if the media is served from your own network on purpose, allow it with \
                      `MediaPolicy::new().allow_private_addresses(true)` or \
                      `ClientBuilder::allow_private_media_addresses(true)`";

/// What kind of non-public address `ip` is, or `None` for a public one.
pub(crate) fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.169.254 is where AWS, GCP and Azure serve instance metadata and credentials.
        Some("link-local (cloud metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        // Carrier-grade NAT space; Alibaba Cloud serves metadata at 100.100.100.200.
        Some("shared (carrier-grade NAT or cloud metadata)")
    } else if ip == Ipv4Addr::new(168, 63, 129, 16) {
        Some("Azure host (metadata)")
    } else if a == 0 || ip.is_broadcast() || a >= 240 {
        Some("unspecified or reserved")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if (a, b, c) == (192, 0, 0) || ip.is_documentation() || (a == 198 && (b & 0xfe) == 18) {
        Some("special-purpose")
    } else {
        None
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    // An IPv4 address written as IPv6 (mapped, NAT64, 6to4) is judged as that address.
    let embedded_v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return non_public_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return non_public_v4(embedded_v4(segments[1], segments[2]));
    }
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || segments[..6] == [0; 6] {
        Some("unspecified or IPv4-compatible")
    } else if segments[0] & 0xffc0 == 0xfe80 || segments[0] & 0xffc0 == 0xfec0 {
        Some("link-local")
    } else if segments[0] & 0xfe00 == 0xfc00 {
        // Unique local addresses; AWS serves instance metadata at fd00:ec2::254.
        Some("private (unique local, cloud metadata)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if segments[..2] == [0x2001, 0xdb8] {
        Some("documentation")
    } else {
        None
    }
}

/// Why a download to `ip` is refused.
#[derive(Debug)]
pub(crate) struct Refused {
    /// The host as the URL names it.
    host: String,
    ip: IpAddr,
    kind: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resolves = if self.host == self.ip.to_string() || self.host.starts_with('[') {
            String::new()
        } else {
            format!("{} resolves to ", self.host)
        };
        write!(
            f,
            "{resolves}{} is a {} address, and media downloads go to public addresses only, so \
             that a URL cannot make this machine fetch from its own network; {OPT_IN}",
            self.ip, self.kind
        )
    }
}

impl std::error::Error for Refused {}

/// Why a download of `url` may not start (or follow a redirect there), if it may not: a scheme
/// other than http(s), credentials in a redirect, or (unless `allow_private`) a non-public
/// address written in the URL. Host names are checked once resolved, by [`PublicOnly`].
pub(crate) fn refusal(url: &reqwest::Url, allow_private: bool) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!(
            "`{}` URLs are not downloaded; only http and https are",
            url.scheme()
        ));
    }
    if allow_private {
        return None;
    }
    let host = url.host_str()?;
    let ip: IpAddr = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()?;
    let kind = non_public(ip)?;
    Some(
        Refused {
            host: host.to_owned(),
            ip,
            kind,
        }
        .to_string(),
    )
}

/// A DNS resolver that fails for a name resolving to any non-public address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<_> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // Any non-public address refuses the name: connecting tries them in turn.
            if let Some((ip, kind)) = addresses
                .iter()
                .find_map(|a| non_public(a.ip()).map(|kind| (a.ip(), kind)))
            {
                return Err(Box::new(Refused { host, ip, kind }).into());
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// The redirect policy of downloads: see [`redirect_refusal`].
pub(crate) fn redirect_policy(allow_private: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        match redirect_refusal(attempt.url(), attempt.previous().len(), allow_private) {
            Some(why) => attempt.error(why),
            None => attempt.follow(),
        }
    })
}

/// Why a download may not follow a redirect to `to` after `hops` of them: past
/// [`MAX_REDIRECTS`], to a URL holding credentials (reqwest would send them as Basic auth), or
/// for the [`refusal`] of the address itself.
fn redirect_refusal(to: &reqwest::Url, hops: usize, allow_private: bool) -> Option<String> {
    if hops >= MAX_REDIRECTS {
        return Some(format!("it was redirected more than {MAX_REDIRECTS} times"));
    }
    if !to.username().is_empty() || to.password().is_some() {
        return Some("it was redirected to a URL holding credentials".to_owned());
    }
    refusal(to, allow_private).map(|why| format!("it was redirected: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "168.63.129.16",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.0.192",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "::127.0.0.1",
        ] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert!(non_public(parsed).is_some(), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2002:0808:0808::",
        ] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(non_public(parsed), None, "{ip}");
        }
    }

    #[test]
    fn urls_naming_internal_addresses_or_other_schemes_are_refused_unless_allowed() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        let refused = refusal(&url("http://127.0.0.1:8080/admin"), false).unwrap();
        assert!(
            refused.contains("127.0.0.1 is a loopback address"),
            "{refused}"
        );
        assert!(
            refused.contains("allow_private_addresses(true)"),
            "{refused}"
        );
        assert!(refusal(&url("http://[::1]/x"), false).is_some());
        assert!(refusal(&url("http://[::ffff:a9fe:a9fe]/x"), false).is_some());
        assert!(refusal(&url("http://127.0.0.1/x"), true).is_none());
        assert!(refusal(&url("https://example.com/x.png"), false).is_none());
        assert!(refusal(&url("file:///etc/passwd"), true).is_some());
    }

    #[test]
    fn redirects_are_checked_like_the_first_url() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        let to_loopback = redirect_refusal(&url("http://127.0.0.1:9/admin"), 1, false).unwrap();
        assert!(
            to_loopback.starts_with("it was redirected: 127.0.0.1 is a loopback"),
            "{to_loopback}"
        );
        assert!(redirect_refusal(&url("http://[fd00:ec2::254]/"), 1, false).is_some());
        assert!(redirect_refusal(&url("http://127.0.0.1:9/admin"), 1, true).is_none());
        assert!(redirect_refusal(&url("https://cdn.example/i.png"), 1, false).is_none());
        assert!(redirect_refusal(&url("https://cdn.example/i.png"), 10, true).is_some());
        assert!(redirect_refusal(&url("https://u:p@cdn.example/i.png"), 1, true).is_some());
        assert!(redirect_refusal(&url("ftp://cdn.example/i.png"), 1, true).is_some());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let name: Name = "localhost".parse().unwrap();
        let error = match PublicOnly.resolve(name).await {
            Ok(_) => panic!("localhost resolved"),
            Err(error) => error.to_string(),
        };
        assert!(error.contains("localhost resolves to"), "{error}");
        assert!(error.contains("loopback"), "{error}");
    }
}
