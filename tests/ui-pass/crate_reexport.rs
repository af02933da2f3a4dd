// `crate = path` names promptfn through a re-export, so a crate can wrap promptfn without
// its users depending on it directly.
mod llm {
    pub use promptfn;
}

mod app {
    use crate::llm::promptfn::{Result, prompt};

    #[prompt("Name a colour like {hint}.", crate = crate::llm::promptfn)]
    pub async fn colour(hint: &str) -> Result<String>;

    #[prompt("Name a fruit like {hint}.", crate = "crate::llm::promptfn")]
    pub async fn fruit(hint: &str) -> Result<String>;
}

fn main() {
    assert_eq!(app::colour("teal").messages()[0].as_text(), Some("Name a colour like teal."));
    assert_eq!(app::fruit("fig").messages()[0].as_text(), Some("Name a fruit like fig."));
}
