//! Text to speech: `-> Result<Audio>` calls `/audio/speech` with the declared voice, format and
//! speed; the audio comes back as bytes with its MIME type. Runs against the testing kit.
//!
//! ```sh
//! cargo run -p promptfn-examples --example speech -- [OUT.wav]
//! ```

use promptfn::testing::{MockClient, Reply};
use promptfn::{Audio, Result, prompt};

#[prompt(
    "{text}",
    model = "gpt-4o-mini-tts",
    voice = "coral",
    format = "wav",
    instructions = "Speak like a calm radio host."
)]
async fn speak(text: &str) -> Result<Audio>;

/// A WAV header with no samples: what a silent answer looks like.
const SILENCE: &[u8] =
    b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\0\0\0";

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("speak").reply(Reply::audio(SILENCE));
    let client = mock.client()?;

    let call = speak("Good evening.").client(&client).speed(1.1);
    println!("request: {}", call.request()?);
    let audio = call.await?;
    println!("got {:?}", audio.as_media().mime());
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("evening.wav")
            .display()
            .to_string()
    });
    audio.save(&out)?;
    println!("saved to {out}");
    Ok(())
}
