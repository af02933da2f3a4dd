// Placeholders with field access, tuple indices, keyword fields and format specs.
use promptfn::{Result, prompt};

struct User {
    name: String,
    r#type: &'static str,
}

#[prompt("{user.name} ({user.type}) scored {score:.2} ({score:>7.1}), pair {pair.0}/{pair.1}, tags {tags:?}")]
async fn report(user: &User, score: f64, pair: (u8, u8), tags: Vec<&str>) -> Result<String>;

fn main() {
    let user = User {
        name: "Ada".to_owned(),
        r#type: "admin",
    };
    let call = report(&user, 3.14159, (1, 2), vec!["a", "b"]);
    assert_eq!(
        call.messages()[0].as_text(),
        Some("Ada (admin) scored 3.14 (    3.1), pair 1/2, tags [\"a\", \"b\"]")
    );
}
