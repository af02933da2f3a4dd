//! `POST /images/generations`: `-> Result<Image>` and `-> Result<Vec<Image>>`. Answers in
//! `b64_json` become images in memory, answers with a `url` images at that URL; either way
//! with their MIME type when the answer or the request tells it.

use std::marker::PhantomData;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{Common, awaitable, common_settings, response};
use crate::error::{Error, Result, excerpt};
use crate::media::{Image, mime};
use crate::response::{Response, Usage};

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
#[must_use = "an image call does nothing until it is awaited"]
#[derive(Debug)]
pub struct ImageCall<T> {
    common: Common,
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
    pub(crate) fn new(common: Common) -> Self {
        Self {
            common,
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

    /// The style (dall-e-3): `"vivid"` or `"natural"`.
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

    /// The body this call would send, without sending it.
    pub fn request(&self) -> Result<Value> {
        let client = self.common.resolve_client()?;
        let model = self.common.resolve_model(&client)?;
        Ok(self.body(&model))
    }

    fn format_requested(&self) -> Option<&str> {
        self.format.as_deref().or(self.common.keys.format)
    }

    fn body(&self, model: &str) -> Value {
        let keys = self.common.keys;
        let mut body = Map::new();
        body.insert("model".into(), json!(model));
        body.insert("prompt".into(), json!(self.common.prompt_text()));
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(value) = value {
                body.insert(key.into(), json!(value));
            }
        };
        put("size", self.size.as_deref().or(keys.size));
        put("quality", self.quality.as_deref().or(keys.quality));
        put("style", self.style.as_deref().or(keys.style));
        put("background", self.background.as_deref().or(keys.background));
        put("output_format", self.format_requested());
        put("response_format", self.response_format.as_deref());
        put("user", self.common.end_user());
        if let Some(n) = self.n.or(self.common.spec.decl.n) {
            body.insert("n".into(), json!(n));
        }
        Value::Object(body)
    }

    async fn run(self) -> Result<Response<T>> {
        let this = &self;
        this.common
            .traced(|client, model| async move {
                let body = this.body(&model);
                let (answer, raw): (ImagesAnswer, String) = this
                    .common
                    .exchange_json(&client, "images/generations", &body)
                    .await?;
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
