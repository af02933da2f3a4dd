//! MIME types: guessed from a file name's extension, detected from magic bytes, spelled one way.
//!
//! Every MIME type promptfn sends goes through [`canonical`], so that `audio/x-wav`,
//! `audio/wave` and `audio/wav` are one type and the checks against what a model family takes
//! (Gemini's whitelist, OpenAI's audio formats) compare like with like.

use super::types::MediaKind;

/// How many leading bytes [`sniff`] looks at.
pub(crate) const SNIFF_LEN: usize = 16;

/// The MIME type that the extension of `name` (a file name, a path or a URL path) suggests.
pub(crate) fn from_extension(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    if ext.is_empty() || ext.len() > 5 || ext.contains('/') {
        return None;
    }
    Some(match ext.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" | "jpe" | "jfif" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "flac" => "audio/flac",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "aif" | "aiff" => "audio/aiff",
        "weba" => "audio/webm",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "avi" => "video/x-msvideo",
        "mpeg" | "mpg" => "video/mpeg",
        "wmv" => "video/x-ms-wmv",
        "flv" => "video/x-flv",
        "3gp" => "video/3gpp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        _ => return None,
    })
}

/// The last path segment of a URL, without query or fragment: where its file name is.
pub(crate) fn url_file_name(url: &str) -> Option<&str> {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let path = without_query
        .split_once("://")
        .map_or(without_query, |(_, rest)| {
            rest.split_once('/').map_or("", |(_, p)| p)
        });
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

/// The MIME type that the first bytes of a file show, for the formats models take.
pub(crate) fn sniff(head: &[u8]) -> Option<&'static str> {
    let head = &head[..head.len().min(SNIFF_LEN)];
    Some(match head {
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, rest @ ..] => match rest {
            [b'W', b'E', b'B', b'P', ..] => "image/webp",
            [b'W', b'A', b'V', b'E', ..] => "audio/wav",
            [b'A', b'V', b'I', b' ', ..] => "video/x-msvideo",
            _ => return None,
        },
        [b'%', b'P', b'D', b'F', b'-', ..] => "application/pdf",
        [b'I', b'D', b'3', ..] => "audio/mpeg",
        [b'O', b'g', b'g', b'S', ..] => "audio/ogg",
        [b'f', b'L', b'a', b'C', ..] => "audio/flac",
        [
            b'F',
            b'O',
            b'R',
            b'M',
            _,
            _,
            _,
            _,
            b'A',
            b'I',
            b'F',
            b'F' | b'C',
            ..,
        ] => "audio/aiff",
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] => iso_media(brand),
        [0x1A, 0x45, 0xDF, 0xA3, ..] => "video/webm",
        [0x00, 0x00, 0x01, 0xBA | 0xB3, ..] => "video/mpeg",
        [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, ..] => "video/x-ms-wmv",
        [b'F', b'L', b'V', 0x01, ..] => "video/x-flv",
        [0xFF, second, ..] => return mpeg_audio_frame(*second),
        _ => return None,
    })
}

/// An ISO base media file (`ftyp` box): the major brand tells MP4 video, M4A audio, QuickTime,
/// HEIF and AVIF images apart.
fn iso_media(brand: &[u8]) -> &'static str {
    match brand {
        [b'M', b'4', b'A' | b'B', b' ', ..] => "audio/mp4",
        [b'q', b't', b' ', b' ', ..] => "video/quicktime",
        [b'h', b'e', b'i', b'c' | b'x' | b'm' | b's', ..] => "image/heic",
        [b'm', b'i' | b's', b'f', b'1', ..] | [b'h', b'e', b'i', b'f', ..] => "image/heif",
        [b'a', b'v', b'i', b'f' | b's', ..] => "image/avif",
        [b'3', b'g', ..] => "video/3gpp",
        _ => "video/mp4",
    }
}

/// A raw MPEG audio stream starts with an 11-bit frame sync. Layer bits `00` are not MP3 but
/// ADTS AAC; version bits `01` are reserved (not audio at all).
fn mpeg_audio_frame(second: u8) -> Option<&'static str> {
    if second & 0xE0 != 0xE0 {
        return None;
    }
    let version = (second >> 3) & 0b11;
    let layer = (second >> 1) & 0b11;
    match (version, layer) {
        (0b01, _) => None,
        (0b10 | 0b11, 0b00) => Some("audio/aac"),
        (_, 0b00) => None,
        _ => Some("audio/mpeg"),
    }
}

/// One spelling per type: lower case, parameters dropped, common aliases folded
/// (`audio/x-wav` → `audio/wav`, `audio/mp3` → `audio/mpeg`, `image/jpg` → `image/jpeg`…).
pub(crate) fn canonical(mime: &str) -> String {
    let essence = mime.split(';').next().unwrap_or(mime).trim();
    let lower = essence.to_ascii_lowercase();
    let folded = match lower.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "audio/mp3" | "audio/mpeg3" | "audio/x-mp3" | "audio/x-mpeg" | "audio/mpg" => "audio/mpeg",
        "audio/x-wav" | "audio/wave" | "audio/vnd.wave" | "audio/x-pn-wav" => "audio/wav",
        "audio/x-flac" => "audio/flac",
        "audio/x-m4a" | "audio/m4a" => "audio/mp4",
        "audio/x-aiff" => "audio/aiff",
        "video/mov" => "video/quicktime",
        "video/avi" | "video/msvideo" => "video/x-msvideo",
        "video/flv" => "video/x-flv",
        "video/wmv" => "video/x-ms-wmv",
        "video/mpg" => "video/mpeg",
        "application/x-pdf" => "application/pdf",
        _ => return lower,
    };
    folded.to_owned()
}

/// Whether a server's `Content-Type` says nothing about the content (then the extension and the
/// magic bytes are asked instead).
pub(crate) fn is_generic(mime: &str) -> bool {
    matches!(
        mime,
        "" | "application/octet-stream" | "binary/octet-stream" | "application/binary"
    )
}

/// The same container holds audio or video: an `.mp4` passed as audio is `audio/mp4`, an `.ogg`
/// passed as video is `video/ogg`.
pub(crate) fn for_kind(mime: String, kind: MediaKind) -> String {
    let swapped = match (kind, mime.as_str()) {
        (MediaKind::Audio, "video/mp4") => "audio/mp4",
        (MediaKind::Audio, "video/webm") => "audio/webm",
        (MediaKind::Audio, "video/ogg") => "audio/ogg",
        (MediaKind::Video, "audio/mp4") => "video/mp4",
        (MediaKind::Video, "audio/webm") => "video/webm",
        (MediaKind::Video, "audio/ogg") => "video/ogg",
        _ => return mime,
    };
    swapped.to_owned()
}

/// The extension a file of this type usually has (for the file names OpenAI-style parts carry).
pub(crate) fn extension_for(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "audio/mpeg" => "mp3",
        "audio/wav" => "wav",
        "video/mp4" => "mp4",
        "text/plain" => "txt",
        "text/markdown" => "md",
        "text/csv" => "csv",
        "application/json" => "json",
        _ => "bin",
    }
}

/// How Gemini (through new-api) spells a type: it lists `video/mov`, not `video/quicktime`.
pub(crate) fn gemini_spelling(mime: &str) -> &str {
    match mime {
        "video/quicktime" => "video/mov",
        "video/x-msvideo" => "video/avi",
        "video/x-flv" => "video/flv",
        "video/x-ms-wmv" => "video/wmv",
        other => other,
    }
}

/// The types new-api forwards to Gemini (new-api's `geminiSupportedMimeTypes`);
/// anything else fails there with "mime type is not supported by Gemini".
pub(crate) const GEMINI_MIME_TYPES: &[&str] = &[
    "application/pdf",
    "audio/mpeg",
    "audio/mp3",
    "audio/wav",
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/webp",
    "image/heic",
    "image/heif",
    "text/plain",
    "video/mov",
    "video/mpeg",
    "video/mp4",
    "video/mpg",
    "video/avi",
    "video/wmv",
    "video/mpegps",
    "video/flv",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(head: &[u8]) -> Vec<u8> {
        let mut bytes = head.to_vec();
        bytes.resize(SNIFF_LEN, 0x20);
        bytes
    }

    #[test]
    fn magic_bytes_of_every_format_models_take() {
        let cases: &[(&[u8], &str)] = &[
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
            (b"\xff\xd8\xff\xe0\0\x10JFIF\0", "image/jpeg"),
            (b"\xff\xd8\xff\xe1\0\x10Exif\0", "image/jpeg"),
            (b"GIF89a\x01\0\x01\0", "image/gif"),
            (b"GIF87a\x01\0\x01\0", "image/gif"),
            (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
            (b"ID3\x04\0\0\0\0\0\x00", "audio/mpeg"),
            (b"\xff\xfb\x90\x64\0\0", "audio/mpeg"),
            (b"\xff\xf3\x84\xc4\0\0", "audio/mpeg"),
            (b"RIFF\x24\x08\0\0WAVEfmt ", "audio/wav"),
            (b"\0\0\0\x20ftypisom\0\0\x02\0", "video/mp4"),
            (b"\0\0\0\x18ftypmp42\0\0\0\0", "video/mp4"),
            (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
            (b"\0\0\0\x20ftypM4A \0\0\0\0", "audio/mp4"),
            (b"\0\0\0\x14ftypqt  \0\0\0\0", "video/quicktime"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "image/heic"),
            (b"\0\0\0\x1cftypavif\0\0\0\0", "image/avif"),
            (b"OggS\0\x02\0\0\0\0", "audio/ogg"),
            (b"fLaC\0\0\0\x22", "audio/flac"),
            (b"\xff\xf1\x50\x80\0\0", "audio/aac"),
            (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video/webm"),
            (b"RIFF\x24\0\0\0AVI LIST", "video/x-msvideo"),
            (b"\0\0\x01\xba\x44\0", "video/mpeg"),
        ];
        for (head, expected) in cases {
            assert_eq!(sniff(&padded(head)), Some(*expected), "{head:?}");
        }
    }

    #[test]
    fn unknown_and_short_inputs_are_not_guessed() {
        for head in [
            &b""[..],
            b"\x89PN",
            b"hello world, plain text",
            b"RIFF\0\0\0\0XXXX",
            b"\xff\xe8\0\0",
            b"\xff\xd0",
            b"{\"json\": true}",
        ] {
            assert_eq!(sniff(head), None, "{head:?}");
        }
    }

    #[test]
    fn extensions_of_paths_and_urls() {
        assert_eq!(from_extension("a.MP3"), Some("audio/mpeg"));
        assert_eq!(from_extension("/tmp/x/report.pdf"), Some("application/pdf"));
        assert_eq!(from_extension("clip.mov"), Some("video/quicktime"));
        assert_eq!(from_extension("noext"), None);
        assert_eq!(from_extension("dir.d/file"), None);
        assert_eq!(
            url_file_name("https://h.example/a/b/31-2.mp3?sig=x.pdf#t"),
            Some("31-2.mp3")
        );
        assert_eq!(url_file_name("https://h.example"), None);
        assert_eq!(url_file_name("https://h.example/dir/"), None);
    }

    #[test]
    fn aliases_fold_to_one_spelling() {
        assert_eq!(canonical("Audio/X-WAV; codecs=1"), "audio/wav");
        assert_eq!(canonical("audio/mp3"), "audio/mpeg");
        assert_eq!(canonical("image/jpg"), "image/jpeg");
        assert_eq!(canonical("video/mov"), "video/quicktime");
        assert_eq!(canonical("application/pdf"), "application/pdf");
        assert_eq!(gemini_spelling("video/quicktime"), "video/mov");
        assert_eq!(for_kind("video/mp4".into(), MediaKind::Audio), "audio/mp4");
        assert_eq!(for_kind("video/mp4".into(), MediaKind::Video), "video/mp4");
        assert!(is_generic("binary/octet-stream"));
    }
}
