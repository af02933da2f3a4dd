// One compile reports every independent problem, each at its own span.
use promptfn::{Result, prompt};

#[prompt("Hello {nmae} {", temprature = 0.2, top_p = 7)]
async fn greet(name: &str, unused: u8) -> Result<String> {
    todo!()
}

fn main() {
    // Callers still type-check against the stand-in: no follow-on errors here.
    let _call = greet("Ann", 1);
}
