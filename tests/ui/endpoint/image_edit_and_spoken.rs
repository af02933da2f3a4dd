use promptfn::{Image, Result, Spoken, prompt};

#[prompt("{photo} The same street at night", model = "gpt-image-1", style = "vivid")]
async fn at_night(photo: Image) -> Result<Image>;

#[prompt("Fill the hole", model = "gpt-image-1")]
async fn fill(mask: Image) -> Result<Image>;

#[prompt("{photo} {mask} Add a boat", model = "gpt-image-1")]
async fn boat(photo: Image, mask: Image) -> Result<Image>;

#[prompt("Greet {name}", model = "gpt-4o-audio-preview", format = "pcm")]
async fn greet(name: &str) -> Result<Spoken>;

fn main() {}
