// `system` plus the positional template, written in either order; placeholders in both.
use promptfn::{Result, Role, prompt};

#[prompt(system = "You are a {tone} assistant.", "Answer: {question}")]
async fn answer(question: &str, tone: &str) -> Result<String>;

#[prompt("Answer: {question}", system = "Be brief.", temperature = 0.0)]
async fn brief(question: &str) -> Result<String>;

fn main() {
    let call = answer("why?", "patient");
    let texts: Vec<_> = call.messages().iter().map(|m| (m.role, m.as_text())).collect();
    assert_eq!(
        texts,
        [
            (Role::System, Some("You are a patient assistant.")),
            (Role::User, Some("Answer: why?")),
        ]
    );
    let call = brief("how?");
    assert_eq!(call.messages()[0].role, Role::System);
    assert_eq!(call.messages()[1].as_text(), Some("Answer: how?"));
}
