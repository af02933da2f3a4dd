//! Writing a medium to a file: what image and speech functions return is saved this way.

use std::path::Path;

use super::data_uri;
use super::error::MediaError;
use super::types::{Audio, Image, Media, MediaSource};
use crate::error::{Error, Result};

impl Media {
    /// Write the content to `path`: bytes in memory and `data:` URIs are written, a local file
    /// is copied. A medium at an `http(s)://` URL is an error (download it with your HTTP
    /// client, or ask the endpoint for the bytes: `.response_format("b64_json")` for images).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let unwritable = |e: std::io::Error| {
            Error::Media(Box::new(MediaError::Unreadable {
                what: format!("{} (writing it to {})", self.describe(), path.display()),
                reason: e.to_string(),
            }))
        };
        match self.source() {
            MediaSource::Bytes(bytes) => std::fs::write(path, bytes).map_err(unwritable),
            MediaSource::Path(from) => std::fs::copy(from, path).map(drop).map_err(unwritable),
            MediaSource::Url(url) if data_uri::is_data_uri(url) => {
                let parsed = data_uri::parse(url).map_err(|reason| {
                    Error::Media(Box::new(MediaError::DataUri {
                        kind: self.kind(),
                        reason,
                    }))
                })?;
                std::fs::write(path, parsed.data).map_err(unwritable)
            }
            MediaSource::Url(url) => Err(Error::Config(format!(
                "the {} is at {url}, not in memory: download it with your HTTP client, or ask \
                 for the bytes (`.response_format(\"b64_json\")` on an image call)",
                self.kind()
            ))),
        }
    }
}

impl Image {
    /// Write the image to `path` (see [`Media::save`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.as_media().save(path)
    }
}

impl Audio {
    /// Write the audio to `path` (see [`Media::save`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.as_media().save(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_data_uris_are_written_and_urls_are_refused() {
        let dir = std::env::temp_dir().join(format!("promptfn-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("a.png");
        Image::bytes(&b"\x89PNG\r\n\x1a\nrest"[..])
            .save(&png)
            .unwrap();
        assert_eq!(std::fs::read(&png).unwrap(), b"\x89PNG\r\n\x1a\nrest");
        let wav = dir.join("b.wav");
        Audio::data_uri("data:audio/wav;base64,UklGRg==")
            .unwrap()
            .save(&wav)
            .unwrap();
        assert_eq!(std::fs::read(&wav).unwrap(), b"RIFF");
        let error = Image::url("https://example.com/x.png").save(dir.join("c.png"));
        assert!(error.unwrap_err().to_string().contains("b64_json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
