// A method listed in `tools = [...]` must be a `#[tool]` method; the error names the fix.
use promptfn::{Result, prompt};

#[derive(Clone)]
struct Desk;

impl Desk {
    /// Just a method.
    fn lookup(&self, id: String) -> String {
        id
    }

    #[prompt("Look up {id}.", tools = [self.lookup])]
    async fn ask(&self, id: &str) -> Result<String>;
}

fn main() {}
