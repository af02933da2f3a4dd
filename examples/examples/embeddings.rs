//! Embeddings: one text, and a list sent in batches, against the testing kit's mock client.
//!
//! ```sh
//! cargo run -p promptfn-examples --example embeddings
//! ```
//! To reach a real server, drop the mock and let the calls use the default client
//! (`OPENAI_BASE_URL`, `OPENAI_API_KEY`).

use promptfn::testing::{MockClient, Reply};
use promptfn::{Embedding, Result, prompt};

#[prompt("{text}", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<Embedding>;

#[prompt(
    "{texts}",
    model = "text-embedding-3-small",
    dimensions = 3,
    batch_size = 2
)]
async fn embed_all(texts: &[String]) -> Result<Vec<Embedding>>;

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("embed")
        .reply(Reply::embeddings([vec![1.0, 0.0, 0.0]]));
    mock.on("embed_all").reply(Reply::embeddings([
        vec![0.9, 0.1, 0.0],
        vec![0.0, 1.0, 0.0],
    ]));
    let client = mock.client()?;

    let query = embed("a cat on a mat").client(&client).await?;
    let documents: Vec<String> = ["cats sleeping", "stock prices", "a kitten's nap"]
        .map(str::to_owned)
        .to_vec();
    let answer = embed_all(&documents).client(&client).with_meta().await?;
    println!(
        "{} vectors in {} requests, {} tokens",
        answer.value.len(),
        answer.requests,
        answer.usage.map_or(0, |u| u.total_tokens)
    );
    for (document, vector) in documents.iter().zip(&answer.value) {
        println!("{:.3}  {document}", query.cosine_similarity(vector));
    }
    Ok(())
}
