//! A terminal chat that keeps its conversation: each answer streams as the model writes it,
//! and the conversation is saved after every turn and restored on the next start.
//!
//! Runs against whatever `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `PROMPTFN_MODEL` name
//! (`scripts/llm-server start` prints them for the local model server):
//!
//! ```text
//! cargo run -p promptfn-examples --example chat -- [saved-chat.json]
//! ```
//!
//! Type a message and press Enter; `/reset` forgets the conversation, `/quit` (or end of input)
//! leaves. A failed answer leaves the conversation as it was, so the message can be sent again.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use promptfn::{Conversation, Error, Result, prompt};

/// The chat prompt: the system text and the new message. `.conversation(&mut chat)` sends the
/// conversation so far between the two, and appends the new message and the answer once the
/// answer has arrived whole.
#[prompt(
    system = "You are a friendly assistant in a terminal chat. Answer in a few sentences.",
    "{message}",
    temperature = 0.7,
    max_tokens = 200
)]
async fn chat(message: &str) -> Result<String>;

/// Only the latest turns are sent, so that a long chat fits the model's context.
const KEPT_TURNS: usize = 20;

#[tokio::main]
async fn main() -> Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("chat.json"), PathBuf::from);
    let mut conversation = restore(&path);
    if !conversation.is_empty() {
        println!(
            "(restored {} turns from {})",
            conversation.len(),
            path.display()
        );
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        print!("> ");
        std::io::stdout().flush().ok();
        let Some(Ok(line)) = lines.next() else { break };
        match line.trim() {
            "" => continue,
            "/quit" => break,
            "/reset" => {
                conversation.clear();
                save(&path, &conversation);
                println!("(conversation forgotten)");
                continue;
            }
            message => {
                conversation.keep_last(KEPT_TURNS);
                let mut answer = chat(message).conversation(&mut conversation).stream();
                while let Some(delta) = answer.next().await {
                    match delta {
                        Ok(text) => {
                            print!("{text}");
                            std::io::stdout().flush().ok();
                        }
                        Err(error) => report(&error),
                    }
                }
                println!();
                save(&path, &conversation);
            }
        }
    }
    Ok(())
}

/// The conversation saved at `path`, or a new one.
fn restore(path: &Path) -> Conversation {
    let Ok(saved) = std::fs::read_to_string(path) else {
        return Conversation::new();
    };
    serde_json::from_str(&saved).unwrap_or_else(|error| {
        eprintln!(
            "(could not restore {}: {error}; starting afresh)",
            path.display()
        );
        Conversation::new()
    })
}

fn save(path: &Path, conversation: &Conversation) {
    let saved = serde_json::to_string_pretty(conversation).map_err(|e| e.to_string());
    if let Err(error) = saved.and_then(|json| std::fs::write(path, json).map_err(|e| e.to_string()))
    {
        eprintln!("(could not save the conversation: {error})");
    }
}

fn report(error: &Error) {
    eprintln!("\n(no answer: {error}; the conversation is unchanged, send the message again)");
}
