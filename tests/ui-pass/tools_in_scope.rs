// `tools = [name]` finds the `#[tool]`s of the prompt's module, from a free function, a method,
// an associated function and a prompt declared inside a function body alike.
use promptfn::{Call, Client, Result, prompt, tool};

/// The time in a city.
#[tool]
fn local_time(city: String) -> String {
    format!("noon in {city}")
}

#[prompt("What time is it in {city}?", tools = [local_time])]
async fn ask(city: &str) -> Result<String>;

struct Desk {
    owner: &'static str,
}

impl Desk {
    #[prompt("{self.owner} asks: what time is it in {city}?", tools = [local_time])]
    async fn ask(&self, city: &str) -> Result<String>;

    #[prompt("What time is it in {city}?", tools = [local_time])]
    async fn ask_anyone(city: &str) -> Result<String>;
}

fn offered(call: Call<String>, client: &Client) -> String {
    let body = call.client(client).request().expect("a request body");
    body["tools"][0]["function"]["name"].to_string()
}

fn main() {
    #[prompt("What time is it in {city}?", tools = [local_time])]
    async fn nested(city: &str) -> Result<String>;

    let client = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .model("m")
        .build()
        .expect("a client");
    let desk = Desk { owner: "Ana" };
    for call in [ask("Oslo"), desk.ask("Oslo"), Desk::ask_anyone("Oslo"), nested("Oslo")] {
        assert_eq!(offered(call, &client), "\"local_time\"");
    }
}
