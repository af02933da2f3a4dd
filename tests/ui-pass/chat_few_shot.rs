// The chat form: system, few-shot user/assistant turns, and the final user turn.
use promptfn::{Result, Role, prompt};

#[prompt(
    system = "Answer with one word.",
    user = "Capital of France?",
    assistant = "Paris",
    user = "Capital of {country}?",
)]
async fn capital(country: &str) -> Result<String>;

fn main() {
    let call = capital("Italy");
    let turns: Vec<_> = call.messages().iter().map(|m| (m.role, m.as_text())).collect();
    assert_eq!(
        turns,
        [
            (Role::System, Some("Answer with one word.")),
            (Role::User, Some("Capital of France?")),
            (Role::Assistant, Some("Paris")),
            (Role::User, Some("Capital of Italy?")),
        ]
    );
}
