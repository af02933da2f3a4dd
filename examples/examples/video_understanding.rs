//! Video understanding: the scenes of a clip, as a typed list.
//!
//! ```sh
//! cargo run -p promptfn-examples --example video_understanding -- [--dry-run] [VIDEO]
//! ```
//! VIDEO is a URL or a local path (mp4, mov, mpeg, avi… as Gemini takes them). Runs against
//! whatever `OPENAI_BASE_URL` and `OPENAI_API_KEY` name; the model is `PROMPTFN_MODEL`, else
//! `gemini-2.0-flash` (sent as an `image_url` part, as aggregators take video for Gemini; a
//! local vLLM model gets a `video_url` part). `--dry-run` prints the request body instead.

use promptfn::{Result, Video, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

/// One scene of a clip.
#[derive(Debug, Deserialize, JsonSchema)]
struct Scene {
    /// Roughly when it starts, as `m:ss`.
    starts_at: String,
    /// What happens in it.
    description: String,
}

#[prompt(
    system = "You watch videos carefully and report only what is shown.",
    "List the scenes of {clip} in order.",
    temperature = 0.0
)]
async fn scenes(clip: Video) -> Result<Vec<Scene>>;

const DEFAULT_VIDEO: &str =
    "https://storage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4";

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
    let arg = args.first().map_or(DEFAULT_VIDEO, String::as_str);
    let clip = if ["http://", "https://", "data:"]
        .iter()
        .any(|scheme| arg.starts_with(scheme))
    {
        Video::url(arg)
    } else {
        Video::path(arg)
    };
    let model = std::env::var("PROMPTFN_MODEL").unwrap_or_else(|_| "gemini-2.0-flash".into());

    let call = scenes(clip).model(model);
    if dry_run {
        println!("{:#}", call.request()?);
        return Ok(());
    }
    for scene in call.await? {
        println!("{:>6}  {}", scene.starts_at, scene.description);
    }
    Ok(())
}
