//! Reading `data:` URIs (RFC 2397): `data:[<mime>][;param=value]*[;base64],<data>`.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use bytes::Bytes;

/// A decoded `data:` URI.
#[derive(Debug)]
pub(crate) struct DataUri {
    /// The declared MIME type, when one is written (canonical spelling).
    pub(crate) mime: Option<String>,
    /// The content.
    pub(crate) data: Bytes,
}

/// Whether `text` is written as a `data:` URI (the scheme is case-insensitive).
pub(crate) fn is_data_uri(text: &str) -> bool {
    text.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// Base64 as written by hand and by other tools: padded or not.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decode a `data:` URI; the error says what is wrong with it.
pub(crate) fn parse(uri: &str) -> Result<DataUri, String> {
    if !is_data_uri(uri) {
        return Err("it does not start with `data:`".into());
    }
    let Some((header, payload)) = uri[5..].split_once(',') else {
        return Err("there is no `,` before the data".into());
    };
    let mut params = header.split(';');
    let mime = params
        .next()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(super::mime::canonical);
    if let Some(m) = &mime
        && !m.contains('/')
    {
        return Err(format!("`{m}` is not a MIME type"));
    }
    let base64 = params.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    let data = if base64 {
        decode_base64(payload)?
    } else {
        percent_decode(payload)?
    };
    Ok(DataUri {
        mime,
        data: Bytes::from(data),
    })
}

fn decode_base64(payload: &str) -> Result<Vec<u8>, String> {
    // Long data URIs are often wrapped over lines; URL-safe characters show up too.
    let needs_cleaning = payload
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b == b'-' || b == b'_');
    let result = if needs_cleaning {
        let cleaned: String = payload
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        LENIENT.decode(cleaned)
    } else {
        LENIENT.decode(payload)
    };
    result.map_err(|e| format!("the base64 data is invalid: {e}"))
}

fn percent_decode(payload: &str) -> Result<Vec<u8>, String> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`%` at byte {i} is not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// The standard base64 engine every inline payload is written with.
pub(crate) const STANDARD: GeneralPurpose = general_purpose::STANDARD;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_uris_keep_their_mime() {
        let uri = parse("data:Audio/MP3;base64,SUQzBAA=").unwrap();
        assert_eq!(uri.mime.as_deref(), Some("audio/mpeg"));
        assert_eq!(&uri.data[..], b"ID3\x04\0");
        let unpadded = parse("data:image/png;name=a.png;base64,iVBORw0KGgo").unwrap();
        assert_eq!(&unpadded.data[..], b"\x89PNG\r\n\x1a\n");
        let wrapped = parse("DATA:application/pdf;base64,JVBE\nRi0x").unwrap();
        assert_eq!(&wrapped.data[..], b"%PDF-1");
    }

    #[test]
    fn plain_uris_are_percent_decoded_and_may_omit_the_mime() {
        let uri = parse("data:,Hello%2C%20World").unwrap();
        assert_eq!(uri.mime, None);
        assert_eq!(&uri.data[..], b"Hello, World");
    }

    #[test]
    fn malformed_uris_say_what_is_wrong() {
        assert!(parse("http://x").unwrap_err().contains("data:"));
        assert!(parse("data:image/png;base64").unwrap_err().contains(','));
        assert!(
            parse("data:image/png;base64,@@@")
                .unwrap_err()
                .contains("base64")
        );
        assert!(parse("data:png;base64,AAAA").unwrap_err().contains("MIME"));
        assert!(parse("data:,%4").unwrap_err().contains("hex"));
    }
}
