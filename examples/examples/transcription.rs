//! Transcription: `-> Result<Transcript>` with one `Audio` parameter uploads the recording to
//! `/audio/transcriptions`; the template's text is the model's spelling hint. Runs against the
//! testing kit's mock client.
//!
//! ```sh
//! cargo run -p promptfn-examples --example transcription -- [RECORDING]
//! ```

use promptfn::testing::{MockClient, Reply};
use promptfn::{Audio, Result, Transcript, prompt};

#[prompt(
    "Speakers: Ana, Bo. {recording}",
    model = "whisper-1",
    language = "en",
    segments = true
)]
async fn transcribe(recording: Audio) -> Result<Transcript>;

/// A WAV header with no samples, for when no recording is given.
const SILENCE: &[u8] =
    b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\0\0\0";

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    let answer = r#"{"task": "transcribe", "language": "english", "duration": 1.5,
        "text": "Hi Bo, it's Ana.",
        "segments": [{"id": 0, "start": 0.0, "end": 1.5, "text": "Hi Bo, it's Ana."}]}"#;
    mock.on("transcribe").reply(Reply::http(200, answer));
    let client = mock.client()?;

    let recording = match std::env::args().nth(1) {
        Some(path) => Audio::path(path),
        None => Audio::bytes(SILENCE),
    };
    let transcript = transcribe(recording).client(&client).await?;
    println!(
        "{} ({:?}, {:?} s)",
        transcript.text, transcript.language, transcript.duration
    );
    for segment in &transcript.segments {
        println!(
            "{:>5.1}–{:<5.1} {}",
            segment.start, segment.end, segment.text
        );
    }
    Ok(())
}
