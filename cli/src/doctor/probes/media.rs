//! Media: an image as a data URI and as a URL, audio as `input_audio` and as `image_url`, a PDF
//! as `file` and as `image_url`. Each asks a question only a model that saw the medium can
//! answer (the colour of the image, the number in the PDF); for audio the tone carries no
//! answer to check, so acceptance is what is reported.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{Ctx, Pending, quoted, reply_text};
use crate::doctor::fixtures;
use crate::doctor::status::{Outcome, Status};

const COLOUR_QUESTION: &str = "What colour is this image? Answer with one word.";
const AUDIO_QUESTION: &str = "Describe this audio in a few words.";
const PDF_QUESTION: &str = "Which number is written in this document? Answer with the number only.";

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", STANDARD.encode(bytes))
}

fn image_part(url: String) -> Value {
    json!({"type": "image_url", "image_url": {"url": url}})
}

/// Text and one media part, in one user message.
fn with_part(ctx: &Ctx<'_>, question: &str, part: Value, limit: u32) -> Value {
    ctx.body(json!([{"type": "text", "text": question}, part]), limit)
}

/// Honoured if the answer names red.
fn judge_colour(answer: &Value) -> Outcome {
    let text = reply_text(answer);
    if text.to_ascii_lowercase().contains("red") {
        Outcome::supported("the answer named the image's colour")
    } else {
        Outcome::ignored(format!(
            "accepted, but the answer does not name the image's colour (red): {}",
            quoted(text)
        ))
    }
}

/// Honoured if the answer repeats the PDF's number.
fn judge_number(answer: &Value) -> Outcome {
    let text = reply_text(answer);
    if text.contains(fixtures::PDF_NUMBER) {
        Outcome::supported("the answer repeated the number in the PDF")
    } else {
        Outcome::ignored(format!(
            "accepted, but the answer does not repeat the PDF's number ({}): {}",
            fixtures::PDF_NUMBER,
            quoted(text)
        ))
    }
}

/// Audio is accepted if a non-empty answer comes back.
fn judge_audio(answer: &Value) -> Outcome {
    if reply_text(answer).trim().is_empty() {
        Outcome::unknown("accepted, but the answer holds no text")
    } else {
        Outcome::supported("accepted and answered (a tone: the content is not checked)")
    }
}

pub fn image_data_uri<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let part = image_part(data_uri("image/png", &fixtures::red_png()));
        let body = with_part(ctx, COLOUR_QUESTION, part, 16);
        ctx.chat_judged(&body, judge_colour).await
    })
}

pub fn image_url<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let Some(media) = ctx.media else {
            return Outcome::unknown("the local media server could not start");
        };
        let before = media.fetches();
        let body = with_part(ctx, COLOUR_QUESTION, image_part(media.png_url()), 16);
        let outcome = ctx.chat_judged(&body, judge_colour).await;
        let fetched = media.fetches() > before;
        // The URL is on this machine's loopback: a remote server cannot reach it, and its
        // failing to fetch says nothing about URLs it could reach.
        let fetch_failed = !fetched
            && ["download", "fetch", "retriev", "connect", "timed out"]
                .iter()
                .any(|word| outcome.detail.to_ascii_lowercase().contains(word));
        if outcome.status == Status::Unsupported && fetch_failed {
            return Outcome::unknown(format!(
                "{} (the image on this machine's loopback was never fetched)",
                outcome.detail
            ))
            .costing(outcome.tokens);
        }
        outcome
    })
}

pub fn audio_input_audio<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let data = STANDARD.encode(fixtures::tone_wav());
        let part = json!({"type": "input_audio", "input_audio": {"data": data, "format": "wav"}});
        let body = with_part(ctx, AUDIO_QUESTION, part, 32);
        ctx.chat_judged(&body, judge_audio).await
    })
}

pub fn audio_image_url<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let part = image_part(data_uri("audio/wav", &fixtures::tone_wav()));
        let body = with_part(ctx, AUDIO_QUESTION, part, 32);
        ctx.chat_judged(&body, judge_audio).await
    })
}

pub fn pdf_file<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let part = json!({"type": "file", "file": {
            "filename": "probe.pdf",
            "file_data": data_uri("application/pdf", &fixtures::number_pdf()),
        }});
        let body = with_part(ctx, PDF_QUESTION, part, 16);
        ctx.chat_judged(&body, judge_number).await
    })
}

pub fn pdf_image_url<'a>(ctx: &'a Ctx<'a>) -> Pending<'a> {
    Box::pin(async move {
        let part = image_part(data_uri("application/pdf", &fixtures::number_pdf()));
        let body = with_part(ctx, PDF_QUESTION, part, 16);
        ctx.chat_judged(&body, judge_number).await
    })
}
