//! Chat with audio output: `-> Result<Spoken>` asks a chat model that speaks for its answer
//! aloud (`modalities: ["text", "audio"]`); the answer is the audio, its transcript, and the id
//! by which a later turn can refer to it. Runs against the testing kit.
//!
//! ```sh
//! cargo run -p promptfn-examples --example spoken -- [OUT.wav]
//! ```

use promptfn::testing::{MockClient, Reply};
use promptfn::{Result, Spoken, prompt};

#[prompt(
    system = "You are a museum guide. Answer in one short sentence.",
    "What is {exhibit}?",
    model = "gpt-4o-audio-preview",
    voice = "sage",
    format = "wav"
)]
async fn guide(exhibit: &str) -> Result<Spoken>;

/// A WAV header with no samples: what a silent answer looks like.
const SILENCE: &[u8] =
    b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\0\0\0";

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("guide").reply(Reply::spoken(
        SILENCE,
        "The Rosetta Stone is a decree carved in three scripts.",
    ));
    let client = mock.client()?;

    let call = guide("the Rosetta Stone").client(&client);
    println!("request: {}", call.request()?);
    let spoken = call.await?;
    println!("transcript: {}", spoken.transcript);
    println!("audio {} ({:?})", spoken.id, spoken.audio.as_media().mime());
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| std::env::temp_dir().join("guide.wav").display().to_string());
    spoken.audio.save(&out)?;
    println!("saved to {out}");
    Ok(())
}
