//! Reading a local media file: once, and never more than a known bound.
//!
//! Both paths that send local files (chat media parts and endpoint uploads such as
//! transcription) read them here, so that neither can be made to read without end by a path
//! that is swapped, after a check, for a link to `/dev/zero` or to a file that keeps growing.

use std::fs;
use std::io::Read;
use std::path::Path;

use bytes::Bytes;

use super::error::MediaError;

/// Read the file at `path`, named `what` in errors, in one pass.
///
/// The file is opened once and judged by what was opened, so that swapping the path for a link
/// to something else afterwards changes nothing. It is read up to the size it had when opened,
/// and it is an error if it holds more by then. A file that reports no size (`/proc` and other
/// virtual files) is read up to `cap` (the media download cap) instead of being trusted, and
/// holding more is [`MediaError::TooLarge`], which names the cap and the setting that raises it.
pub(crate) fn read_once(path: &Path, what: &str, cap: u64) -> Result<Bytes, MediaError> {
    let unreadable = |reason: String| MediaError::Unreadable {
        what: what.to_owned(),
        reason,
    };
    let file = fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let meta = file.metadata().map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(unreadable("it is not a regular file".into()));
    }
    let size = meta.len();
    let bound = if size == 0 { cap } else { size };
    // The reported size is only a hint for the allocation: what is read is bounded by `take`.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(bound.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 <= bound {
        return Ok(Bytes::from(bytes));
    }
    Err(if size == 0 {
        MediaError::TooLarge {
            what: what.to_owned(),
            limit: cap,
            size: None,
            fix: "or copy it to a regular file first: a file that reports no size (as those \
                  under /proc do) is read only up to this cap"
                .to_owned(),
        }
    } else {
        unreadable(format!(
            "it grew past its size of {size} bytes while it was read"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole() {
        let path = std::env::temp_dir().join(format!("promptfn-read-once-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let read = read_once(&path, "the file", 4);
        let _ = std::fs::remove_file(&path);
        // Its own size bounds a regular file, not the cap.
        assert_eq!(read.unwrap().as_ref(), b"0123456789");
    }

    #[test]
    fn a_file_without_a_size_is_read_up_to_the_cap_only() {
        let e = read_once(Path::new("/proc/self/status"), "the status", 16).unwrap_err();
        assert!(
            matches!(
                &e,
                MediaError::TooLarge {
                    limit: 16,
                    size: None,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("`.max_media_download(…)`"), "{e}");
        let whole = read_once(Path::new("/proc/self/status"), "the status", 1 << 20).unwrap();
        assert!(whole.starts_with(b"Name:"));
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused() {
        for path in ["/dev/zero", "/"] {
            let e = read_once(Path::new(path), "it", 16).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{path}: {e}");
        }
    }
}
