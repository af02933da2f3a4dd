//! `POST /images/generations`: `-> Result<Image>` and `-> Result<Vec<Image>>`; with `Image`
//! parameters, `POST /images/edits` (see `image_edit.rs`). Answers in `b64_json` become images
//! in memory, answers with a `url` images at that URL; either way with their MIME type when the
//! answer or the request tells it.

use std::marker::PhantomData;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable, common_settings, decode_answer, response};
use super::image_edit;
use crate::error::{Error, Result, excerpt};
use crate::media::{Image, Media, mime};
use crate::response::{Response, Usage};
use crate::transport::BodyKind;

/// What an image function returns: one [`Image`] or a `Vec` of them.
pub trait ImageOutput: Sized + Send + 'static {
    #[doc(hidden)]
    fn from_images(images: Vec<Image>, raw: &str) -> Result<Self>;
}

impl ImageOutput for Image {
    fn from_images(images: Vec<Image>, raw: &str) -> Result<Self> {
        images.into_iter().next().ok_or_else(|| Error::Protocol {
            reason: "the images answer has no image".into(),
            raw: excerpt(raw),
        })
    }
}

impl ImageOutput for Vec<Image> {
    fn from_images(images: Vec<Image>, _raw: &str) -> Result<Self> {
        Ok(images)
    }
}

/// The call of a function returning [`Image`] or `Vec<Image>`. Await it for the images; adjust
/// it first like a chat [`Call`](crate::Call).
///
/// A function with `Image` parameters edits the images it is given (`POST /images/edits`, a
/// multipart upload) instead of drawing new ones; a parameter `mask: Image` (or
/// `Option<Image>`), left out of the template, marks with its transparent pixels where to edit.
#[must_use = "an image call does nothing until it is awaited"]
#[derive(Debug)]
pub struct ImageCall<T> {
    common: Common,
    /// An edit's mask.
    mask: Option<Media>,
    n: Option<u32>,
    size: Option<String>,
    quality: Option<String>,
    style: Option<String>,
    background: Option<String>,
    format: Option<String>,
    response_format: Option<String>,
    _output: PhantomData<fn() -> T>,
}

impl<T: ImageOutput> ImageCall<T> {
    pub(crate) fn new(common: Common, mask: Option<Media>) -> Self {
        Self {
            common,
            mask,
            n: None,
            size: None,
            quality: None,
            style: None,
            background: None,
            format: None,
            response_format: None,
            _output: PhantomData,
        }
    }

    common_settings!(common);

    /// How many images to make (1 to 10; `Vec<Image>` functions only use more than one).
    pub fn n(mut self, n: u32) -> Self {
        self.n = Some(n);
        self
    }

    /// The size, `"1024x1024"`, `"1536x1024"`, `"auto"`… (what the model takes).
    pub fn size(mut self, size: impl Into<String>) -> Self {
        self.size = Some(size.into());
        self
    }

    /// The quality: `"low"`, `"medium"`, `"high"`, `"auto"` (GPT image models), `"standard"`,
    /// `"hd"` (dall-e-3).
    pub fn quality(mut self, quality: impl Into<String>) -> Self {
        self.quality = Some(quality.into());
        self
    }

    /// The style (dall-e-3): `"vivid"` or `"natural"`. Not sent with an edit.
    pub fn style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// The background (GPT image models): `"transparent"`, `"opaque"` or `"auto"`.
    pub fn background(mut self, background: impl Into<String>) -> Self {
        self.background = Some(background.into());
        self
    }

    /// The file format (GPT image models' `output_format`): `"png"`, `"jpeg"` or `"webp"`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// How dall-e models hand the images over: `"url"` (their default, valid for an hour) or
    /// `"b64_json"` (the bytes in the answer). GPT image models always send the bytes.
    pub fn response_format(mut self, format: impl Into<String>) -> Self {
        self.response_format = Some(format.into());
        self
    }

    /// The prompt this call sends.
    pub fn prompt(&self) -> String {
        self.common.prompt_text()
    }

    /// Await the images with the metadata (usage, the raw answer).
    pub fn with_meta(self) -> ImageWithMeta<T> {
        ImageWithMeta(self)
    }

    /// The body this call would send, without sending it: a generation's JSON body, or an
    /// edit's text fields (the images and the mask are uploaded beside them as files).
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        Ok(Value::Object(
            self.fields(&model)
                .into_iter()
                .map(|(k, v)| (k.into(), v))
                .collect(),
        ))
    }

    /// Whether this call edits images (it was given some, or a mask) rather than drawing.
    fn edits(&self) -> bool {
        self.mask.is_some() || self.common.media().next().is_some()
    }

    fn format_requested(&self) -> Option<&str> {
        self.format.as_deref().or(self.common.keys.format)
    }

    /// The request's fields, in the order an edit's form sends them.
    fn fields(&self, model: &str) -> Vec<(&'static str, Value)> {
        let keys = self.common.keys;
        let mut fields = vec![
            ("prompt", json!(self.common.prompt_text().trim())),
            ("model", json!(model)),
        ];
        if let Some(n) = self.n.or(self.common.spec.decl.n) {
            fields.push(("n", json!(n)));
        }
        let mut put = |key: &'static str, value: Option<&str>| {
            if let Some(value) = value {
                fields.push((key, json!(value)));
            }
        };
        put("size", self.size.as_deref().or(keys.size));
        put("quality", self.quality.as_deref().or(keys.quality));
        // dall-e-3's setting; the edits endpoint has none.
        if !self.edits() {
            put("style", self.style.as_deref().or(keys.style));
        }
        put("background", self.background.as_deref().or(keys.background));
        put("output_format", self.format_requested());
        put("response_format", self.response_format.as_deref());
        put("user", self.common.end_user());
        fields
    }

    async fn run(self) -> Result<Response<T>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let fields = this.fields(&model);
                let answer = if this.edits() {
                    let form =
                        image_edit::form(&this.common, this.mask.as_ref(), &client, &model, fields);
                    let (body, boundary) = form.await?.finish();
                    let kind = BodyKind::Form { boundary };
                    this.common
                        .exchange(&client, "images/edits", kind, body)
                        .await?
                } else {
                    let body: Map<String, Value> =
                        fields.into_iter().map(|(k, v)| (k.into(), v)).collect();
                    let body = serde_json::to_vec(&body)
                        .map_err(|e| Error::Config(format!("body: {e}")))?;
                    this.common
                        .exchange(&client, "images/generations", BodyKind::Json, body)
                        .await?
                };
                let (answer, raw): (ImagesAnswer, String) = decode_answer(&answer)?;
                let format = answer
                    .output_format
                    .as_deref()
                    .or(this.format_requested())
                    .and_then(format_mime);
                let images = answer
                    .data
                    .into_iter()
                    .map(|datum| datum.into_image(format, &raw))
                    .collect::<Result<Vec<_>>>()?;
                let usage = answer.usage.map(ImageUsage::into_usage);
                Ok(response(
                    T::from_images(images, &raw)?,
                    Some(model),
                    usage,
                    raw,
                    1,
                ))
            })
            .await
    }
}

awaitable!(ImageCall<T: ImageOutput>, ImageWithMeta);

/// The MIME type of an image `output_format`.
fn format_mime(format: &str) -> Option<&'static str> {
    match format {
        "png" => Some("image/png"),
        "jpeg" | "jpg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// An images answer (OpenAI's `ImagesResponse`).
#[derive(Deserialize)]
struct ImagesAnswer {
    #[serde(default)]
    data: Vec<Datum>,
    #[serde(default)]
    output_format: Option<String>,
    #[serde(default)]
    usage: Option<ImageUsage>,
}

#[derive(Deserialize)]
struct Datum {
    #[serde(default)]
    b64_json: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

impl Datum {
    fn into_image(self, format: Option<&'static str>, raw: &str) -> Result<Image> {
        if let Some(b64) = self.b64_json.filter(|b| !b.is_empty()) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| Error::Protocol {
                    reason: format!("an image's b64_json does not decode: {e}"),
                    raw: excerpt(raw),
                })?;
            // The bytes tell their own type best; the format asked for is the fallback.
            let mime = mime::sniff(&bytes).or(format).unwrap_or("image/png");
            return Ok(Image::bytes(bytes).mime(mime));
        }
        if let Some(url) = self.url.filter(|u| !u.is_empty()) {
            let named = mime::url_file_name(&url).and_then(mime::from_extension);
            let image = Image::url(url.clone());
            return Ok(match format.or(named) {
                Some(mime) => image.mime(mime),
                None => image,
            });
        }
        Err(Error::Protocol {
            reason: "an image in the answer has neither `b64_json` nor `url`".into(),
            raw: excerpt(raw),
        })
    }
}

/// The GPT image models' token usage (`input_tokens`, `output_tokens`).
#[derive(Deserialize)]
struct ImageUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

impl ImageUsage {
    fn into_usage(self) -> Usage {
        Usage::new(self.input_tokens, self.output_tokens)
    }
}
