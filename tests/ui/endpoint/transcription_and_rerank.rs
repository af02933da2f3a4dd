use promptfn::{Audio, Ranking, Result, Transcript, prompt};

#[prompt("{left} {right}", model = "whisper-1")]
async fn transcribe(left: Audio, right: Audio) -> Result<Transcript>;

#[prompt("{audio}", model = "whisper-1", translate = true, language = "de")]
async fn translate(audio: Audio) -> Result<Transcript>;

#[prompt("{query}", model = "jina-reranker-v2-base-multilingual")]
async fn rank(query: &str) -> Result<Ranking>;

fn main() {}
