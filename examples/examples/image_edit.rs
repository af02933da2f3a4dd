//! Image edits: an `Image` function with `Image` parameters edits them (`POST /images/edits`, a
//! multipart upload): the images the template places, a `mask: Option<Image>` parameter beside
//! them whose transparent pixels say where to paint, and the template's text as the prompt.
//! Runs against the testing kit.
//!
//! ```sh
//! cargo run -p promptfn-examples --example image_edit -- [OUT.png]
//! ```

use promptfn::testing::{MockClient, Reply};
use promptfn::{Image, Result, prompt};

#[prompt(
    "{photo} Put a small red hat on the cat.",
    model = "gpt-image-1",
    size = "1024x1024"
)]
async fn add_hat(photo: Image, mask: Option<Image>) -> Result<Image>;

/// The first bytes of a PNG file: what the testing kit's answer carries.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("add_hat").reply(Reply::image(PNG));
    let client = mock.client()?;

    let call = add_hat(Image::bytes(PNG).filename("cat.png"), None).client(&client);
    println!("form fields: {}", call.request()?);
    let image = call.await?;
    let sent = mock.last_request().map(|r| r.path).unwrap_or_default();
    println!("sent to {sent}, got {:?}", image.as_media().mime());
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("cat-with-hat.png")
            .display()
            .to_string()
    });
    image.save(&out)?;
    println!("saved to {out}");
    Ok(())
}
