// Calls may run at once: a tool method cannot take `&mut self`.
use promptfn::tool;

#[derive(Clone)]
struct Counter(u32);

impl Counter {
    /// Counts.
    #[tool]
    fn bump(&mut self, by: u32) -> u32 {
        self.0 += by;
        self.0
    }
}

fn main() {}
