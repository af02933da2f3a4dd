//! Image understanding: a typed description of one image, and a comparison of two, each image
//! placed where its `{placeholder}` is.
//!
//! ```sh
//! cargo run -p promptfn-examples --example image_understanding -- [--dry-run] [IMAGE] [OTHER]
//! ```
//! IMAGE and OTHER are URLs or local paths (PNG, JPEG, WebP or GIF). Runs against whatever
//! `OPENAI_BASE_URL` and `OPENAI_API_KEY` name; the model is `PROMPTFN_MODEL`, else
//! `gpt-4o-mini`. `--dry-run` prints the request bodies instead of sending them.

use promptfn::{Detail, Image, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

/// What is in an image.
#[derive(Debug, Deserialize, JsonSchema)]
struct ImageReport {
    /// One sentence about the whole image.
    caption: String,
    /// The main things visible in it.
    objects: Vec<String>,
    /// Any text written in the image.
    text_in_image: Option<String>,
}

#[prompt("Describe this image: {image}", temperature = 0.0)]
async fn describe(image: Image) -> Result<ImageReport>;

#[prompt(
    "Compare {a} with {b}. What is the most visible difference?",
    max_tokens = 200
)]
async fn compare(a: Image, b: Image) -> Result<String>;

const DEFAULT_IMAGE: &str =
    "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png";
const DEFAULT_OTHER: &str =
    "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg";

fn image(arg: &str) -> Image {
    if ["http://", "https://", "data:"]
        .iter()
        .any(|scheme| arg.starts_with(scheme))
    {
        Image::url(arg)
    } else {
        Image::path(arg)
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // promptfn's errors are written to be read: show them as text, not as `Debug`.
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dry_run = args.iter().any(|a| a == "--dry-run");
    args.retain(|a| a != "--dry-run");
    let first = args.first().map_or(DEFAULT_IMAGE, String::as_str);
    let second = args.get(1).map_or(DEFAULT_OTHER, String::as_str);
    let model = std::env::var("PROMPTFN_MODEL").unwrap_or_else(|_| "gpt-4o-mini".into());

    let described = describe(image(first).detail(Detail::Low)).model(&model);
    let compared = compare(image(first), image(second)).model(&model);
    if dry_run {
        println!("{:#}\n{:#}", described.request()?, compared.request()?);
        return Ok(());
    }
    let report = described.await?;
    println!("caption: {}", report.caption);
    println!("objects: {}", report.objects.join(", "));
    if let Some(text) = report.text_in_image {
        println!("text:    {text}");
    }
    println!("compare: {}", compared.await?);
    Ok(())
}
