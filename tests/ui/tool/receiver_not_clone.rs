// A method's tool keeps a clone of the receiver.
use promptfn::tool;

struct Database;

impl Database {
    /// Looks a key up.
    #[tool]
    fn lookup(&self, key: String) -> Option<String> {
        let _ = self;
        Some(key)
    }
}

fn main() {}
