// The positional form: one user message, whole parameters placed with `Display`.
use promptfn::{Result, Role, prompt};

#[prompt("Translate {text} into {language}.")]
async fn translate(text: &str, language: String) -> Result<String>;

fn main() {
    let call = translate("bonjour", "English".to_owned());
    let messages = call.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].role, Role::User);
    assert_eq!(messages[0].as_text(), Some("Translate bonjour into English."));
}
