//! Image generation: `-> Result<Image>` calls `/images/generations`; the image comes back as
//! bytes with its MIME type and can be saved. Runs against the testing kit's mock client.
//!
//! ```sh
//! cargo run -p promptfn-examples --example image_generation -- [OUT.png]
//! ```

use promptfn::testing::{MockClient, Reply};
use promptfn::{Image, Result, prompt};

#[prompt(
    "A watercolor of {subject}",
    model = "gpt-image-1",
    size = "1024x1024",
    quality = "low",
    background = "transparent",
    format = "png"
)]
async fn paint(subject: &str) -> Result<Image>;

/// The smallest valid PNG: one transparent pixel.
const PIXEL: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("paint").reply(Reply::image(PIXEL));
    let client = mock.client()?;

    let call = paint("a lighthouse at dusk").client(&client);
    println!("request: {}", call.request()?);
    let image = call.await?;
    println!("got {:?}", image.as_media().mime());
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("lighthouse.png")
            .display()
            .to_string()
    });
    image.save(&out)?;
    println!("saved to {out}");
    Ok(())
}
