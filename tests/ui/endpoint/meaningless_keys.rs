use promptfn::{Audio, Embedding, Image, Result, prompt};

#[prompt("{text}")]
async fn speak(text: &str) -> Result<Audio>;

#[prompt("Embed: {texts}", voice = "alloy")]
async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;

#[prompt("Describe {photo}", size = "1024x1024")]
async fn describe(photo: Image) -> Result<String>;

#[prompt("A copy of {photo}", n = 2, format = "mp3")]
async fn copy(photo: Image) -> Result<Image>;

fn main() {}
