//! `POST /images/edits` (multipart): an `Image` or `Vec<Image>` function with `Image`
//! parameters edits them instead of drawing new ones. The images the template places are
//! uploaded in order (one as `image`, several as `image[]`: GPT image models take up to 16,
//! dall-e-2 one), a parameter named `mask` as `mask` (its transparent pixels say where to
//! edit), and the prompt and settings as text fields.

use serde_json::Value;

use super::common::Common;
use super::form::Form;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::media::Media;

/// The form of an edit: the images, the mask, then `fields` (name and value, in order).
pub(super) async fn form(
    common: &Common,
    mask: Option<&Media>,
    client: &Client,
    model: &str,
    fields: Vec<(&'static str, Value)>,
) -> Result<Form> {
    let images: Vec<&Media> = common.media().collect();
    let name = match images.len() {
        0 => {
            return Err(Error::Config(format!(
                "`{}` has a mask but no image to edit: pass the image to its `Image` parameter",
                common.spec.name
            )));
        }
        1 => "image",
        _ => "image[]",
    };
    let mut form = Form::default();
    for image in images {
        let loaded = common.load(client, model, image).await?;
        form.file(name, &loaded.filename, &loaded.mime, loaded.bytes);
    }
    if let Some(mask) = mask {
        let loaded = common.load(client, model, mask).await?;
        form.file("mask", &loaded.filename, &loaded.mime, loaded.bytes);
    }
    for (name, value) in fields {
        match value {
            Value::String(text) => form.text(name, text),
            other => form.text(name, other.to_string()),
        }
    }
    Ok(form)
}
