// `#[prompt]` on methods in an `impl` block: `{self.field}` and parameters side by side,
// with `&self`, and with `self` by value.
use promptfn::{Result, prompt};

struct Assistant {
    persona: String,
    language: &'static str,
}

impl Assistant {
    #[prompt(system = "You are {self.persona}.", "Reply in {self.language} to: {message}")]
    pub async fn reply(&self, message: &str) -> Result<String>;

    #[prompt("Introduce {self.persona}.")]
    async fn introduce(self) -> Result<String>;
}

fn main() {
    let assistant = Assistant {
        persona: "a pirate".to_owned(),
        language: "French",
    };
    let call = assistant.reply("hello");
    assert_eq!(call.messages()[0].as_text(), Some("You are a pirate."));
    assert_eq!(call.messages()[1].as_text(), Some("Reply in French to: hello"));
    let call = assistant.introduce();
    assert_eq!(call.messages()[0].as_text(), Some("Introduce a pirate."));
}
