// `crate = path` names promptfn through a re-export, so a crate can wrap promptfn without
// its users depending on it directly; `#[tool]` takes the same argument.
mod llm {
    pub use promptfn;
}

mod app {
    use crate::llm::promptfn::{Result, prompt, tool};

    /// The colour of a thing.
    #[tool(crate = crate::llm::promptfn)]
    pub fn colour_of(thing: String) -> String {
        format!("{thing} is teal")
    }

    #[prompt("Name a colour like {hint}.", crate = crate::llm::promptfn)]
    pub async fn colour(hint: &str) -> Result<String>;

    #[prompt(
        "Name a fruit like {hint}.",
        crate = "crate::llm::promptfn",
        tools = [colour_of],
    )]
    pub async fn fruit(hint: &str) -> Result<String>;
}

fn main() {
    assert_eq!(app::colour("teal").messages()[0].as_text(), Some("Name a colour like teal."));
    assert_eq!(app::fruit("fig").messages()[0].as_text(), Some("Name a fruit like fig."));
    assert_eq!(app::colour_of("sea".to_owned()), "sea is teal");
}
