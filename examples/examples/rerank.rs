//! Rerank: `-> Result<Ranking>` sends the template as the query and the `documents` list
//! parameter beside it to `/rerank`. The client names the rerank API its server speaks (Jina by
//! default, Cohere or Xinference); here a Xinference server, answering with plain-string
//! documents, is played by the testing kit.
//!
//! ```sh
//! cargo run -p promptfn-examples --example rerank
//! ```

use promptfn::endpoint::RerankFormat;
use promptfn::testing::{MockClient, Reply};
use promptfn::{Ranking, Result, prompt};

#[prompt(
    "{question}",
    model = "bge-reranker-v2-m3",
    top_n = 2,
    return_documents = true
)]
async fn most_relevant(question: &str, documents: &[String]) -> Result<Ranking>;

#[tokio::main]
async fn main() -> Result<()> {
    let mock = MockClient::new();
    mock.on("most_relevant").reply(Reply::http(
        200,
        serde_json::json!({
            "id": "rerank-1",
            "results": [
                {"index": 1, "relevance_score": 0.98, "document": "Tea is brewed from leaves."},
                {"index": 0, "relevance_score": 0.12, "document": "Coffee grows on shrubs."}
            ],
            "meta": {"tokens": {"input_tokens": 24, "output_tokens": 0}}
        })
        .to_string(),
    ));
    let client = mock
        .client_builder()
        .rerank_format(RerankFormat::Xinference)
        .build()?;

    let documents = vec![
        "Coffee grows on shrubs.".to_owned(),
        "Tea is brewed from leaves.".to_owned(),
        "Rust has no garbage collector.".to_owned(),
    ];
    let call = most_relevant("How is tea made?", &documents).client(&client);
    println!("request: {}", call.request()?);
    let ranking = call.await?;
    for ranked in &ranking.results {
        println!(
            "{:.2}  #{} {}",
            ranked.score,
            ranked.index,
            ranked.document.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
