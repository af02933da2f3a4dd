//! Audio and PDF understanding: the aggregator's own example, an mp3 and a PDF sent to Gemini as
//! two `image_url` parts of one user message, written as a typed function.
//!
//! ```sh
//! cargo run -p promptfn-examples --example audio_understanding -- [--dry-run] [AUDIO] [PDF]
//! ```
//! AUDIO and PDF are URLs or local paths (default: the files of the aggregator's documentation).
//! Runs against whatever `OPENAI_BASE_URL` and `OPENAI_API_KEY` name; the model is
//! `PROMPTFN_MODEL`, else `gemini-2.0-flash`. `--dry-run` prints the request body instead of
//! sending it. For a `gpt-*` audio model the same call sends OpenAI-style parts (`input_audio`,
//! `file`), downloading the URLs first.

use promptfn::{Audio, Pdf, Result, prompt};

/// "I sent you two files, an mp3 and a pdf: please explain what both contain."
#[prompt("我发了两个文件给你, 一个是mp3, 一个是pdf, 请解读一下两个文件的内容{audio}{doc}")]
async fn analyse(audio: Audio, doc: Pdf) -> Result<String>;

const SEED_AUDIO: &str = "https://s3plus-shon.meituan.net/multimodal-eval/audio2txt/self_built/audios/202502081700/31-2.mp3";
const SEED_PDF: &str =
    "https://ossfiles.szeac.com/prod/oms/default/20241129/50c7062055f4d71f7ffb1bdc1034f47c.pdf";

fn is_url(arg: &str) -> bool {
    ["http://", "https://", "data:"]
        .iter()
        .any(|scheme| arg.starts_with(scheme))
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
    let audio_arg = args.first().map_or(SEED_AUDIO, String::as_str);
    let pdf_arg = args.get(1).map_or(SEED_PDF, String::as_str);
    let audio = if is_url(audio_arg) {
        Audio::url(audio_arg)
    } else {
        Audio::path(audio_arg)
    };
    let doc = if is_url(pdf_arg) {
        Pdf::url(pdf_arg)
    } else {
        Pdf::path(pdf_arg)
    };
    let model = std::env::var("PROMPTFN_MODEL").unwrap_or_else(|_| "gemini-2.0-flash".into());

    let call = analyse(audio, doc).model(model);
    if dry_run {
        println!("{:#}", call.request()?);
        return Ok(());
    }
    let answer = call.await?;
    println!("{answer}");
    Ok(())
}
