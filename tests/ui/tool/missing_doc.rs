// The doc comment is the description the model reads: a tool without one is an error.
use promptfn::tool;

#[tool]
fn get_weather(city: String) -> String {
    city
}

fn main() {}
