// `tools = [name]` finds a `#[tool]` wherever its function is in scope: in the module, in a
// child module that imports it, and in the function body that also declares the prompt.
use promptfn::{Call, Client, Result, prompt, tool};

/// The time in a city.
#[tool]
fn local_time(city: String) -> String {
    format!("noon in {city}")
}

mod desk {
    use super::*;

    #[prompt("What time is it in {city}?", tools = [local_time])]
    pub async fn ask(city: &str) -> Result<String>;
}

fn offered(call: Call<String>, client: &Client) -> Vec<String> {
    let body = call.client(client).request().expect("a request body");
    body["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["function"]["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn main() {
    /// The weather in a city.
    #[tool]
    fn weather(city: String) -> String {
        format!("sunny in {city}")
    }

    #[prompt("Weather and time in {city}?", tools = [weather, local_time])]
    async fn both(city: &str) -> Result<String>;

    let client = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .model("m")
        .build()
        .expect("a client");
    assert_eq!(offered(desk::ask("Oslo"), &client), ["local_time"]);
    assert_eq!(offered(both("Oslo"), &client), ["weather", "local_time"]);
}
