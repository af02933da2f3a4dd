use promptfn::{Result, prompt};

#[prompt("What happened today in {place}?", web_search = "yes")]
async fn news(place: &str) -> Result<String>;

#[prompt("What happened today in {place}?", web_search = 1)]
async fn headlines(place: &str) -> Result<String>;

fn main() {}
