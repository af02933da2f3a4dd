// `path = "…"` reads the template from a file relative to the crate root (tests/ui.rs copies
// tests/prompts/ next to trybuild's generated project); `{{`/`}}` in the file are literal braces.
use promptfn::{Result, prompt};

#[prompt(path = "prompts/summary.md", system = "You summarise.")]
async fn summarise(text: &str, words: u32) -> Result<String>;

fn main() {
    let call = summarise("A long story.", 12);
    let messages = call.messages();
    assert_eq!(messages[0].as_text(), Some("You summarise."));
    assert_eq!(
        messages[1].as_text(),
        Some(
            "Summarise this text in 12 words:\n\nA long story.\n\nAnswer as plain text, without {braces}.\n"
        )
    );
}
