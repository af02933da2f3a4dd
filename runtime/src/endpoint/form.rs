//! A `multipart/form-data` body (RFC 7578), written by hand: reqwest's `multipart` feature
//! draws a random boundary, and these bodies must be the same bytes on every run so that
//! cassettes match them and tests can compare them whole.

use bytes::Bytes;

/// One field of a form.
#[derive(Debug)]
enum Field {
    Text {
        name: &'static str,
        value: String,
    },
    File {
        name: &'static str,
        filename: String,
        mime: String,
        content: Bytes,
    },
}

/// A form being filled in.
#[derive(Debug, Default)]
pub(crate) struct Form {
    fields: Vec<Field>,
}

impl Form {
    pub(crate) fn text(&mut self, name: &'static str, value: impl Into<String>) {
        self.fields.push(Field::Text {
            name,
            value: value.into(),
        });
    }

    pub(crate) fn file(&mut self, name: &'static str, filename: &str, mime: &str, content: Bytes) {
        self.fields.push(Field::File {
            name,
            filename: filename.to_owned(),
            mime: mime.to_owned(),
            content,
        });
    }

    /// The body and its boundary: the first of `promptfn-form-0`, `-1`… that occurs in no
    /// field, so the same form always gives the same bytes.
    pub(crate) fn finish(self) -> (Vec<u8>, String) {
        let boundary = (0u32..)
            .map(|n| format!("promptfn-form-{n}"))
            .find(|candidate| !self.fields.iter().any(|f| f.contains(candidate.as_bytes())))
            .unwrap_or_default();
        let mut body = Vec::with_capacity(
            self.fields.iter().map(Field::len).sum::<usize>() + 128 * self.fields.len(),
        );
        for field in &self.fields {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match field {
                Field::Text { name, value } => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(value.as_bytes());
                }
                Field::File {
                    name,
                    filename,
                    mime,
                    content,
                } => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{}\"\r\n\
                             Content-Type: {mime}\r\n\r\n",
                            quoted(filename)
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(content);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (body, boundary)
    }
}

impl Field {
    fn contains(&self, needle: &[u8]) -> bool {
        let haystack: &[u8] = match self {
            Field::Text { value, .. } => value.as_bytes(),
            Field::File { content, .. } => content,
        };
        memchr::memmem::find(haystack, needle).is_some()
    }

    fn len(&self) -> usize {
        match self {
            Field::Text { value, .. } => value.len(),
            Field::File { content, .. } => content.len(),
        }
    }
}

/// A file name safe inside a quoted header parameter: quotes, backslashes and line breaks
/// become `_` (a hostile name cannot add headers or parts).
fn quoted(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_the_same_bytes_every_time_and_its_boundary_avoids_the_content() {
        let mut form = Form::default();
        form.text("model", "whisper-1");
        form.file(
            "file",
            "a\"b.wav",
            "audio/wav",
            Bytes::from_static(b"RIFF--promptfn-form-0"),
        );
        let (body, boundary) = form.finish();
        assert_eq!(boundary, "promptfn-form-1");
        let expected = "--promptfn-form-1\r\n\
            Content-Disposition: form-data; name=\"model\"\r\n\r\n\
            whisper-1\r\n\
            --promptfn-form-1\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"a_b.wav\"\r\n\
            Content-Type: audio/wav\r\n\r\n\
            RIFF--promptfn-form-0\r\n\
            --promptfn-form-1--\r\n";
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }
}
