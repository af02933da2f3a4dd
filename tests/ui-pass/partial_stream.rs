//! The partial-objects contract (the `Partial` trait's documentation): `#[derive(Partial)]`
//! beside `Deserialize` and `JsonSchema`, `.stream()` yielding `<Order as Partial>::Partial`,
//! `.into_value()` the `Order`.
use promptfn::{Partial, Result, prompt};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Order {
    customer: String,
    items: Vec<Item>,
    note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Partial)]
struct Item {
    name: String,
    quantity: u32,
}

#[prompt("Extract the order: {text}")]
async fn order(text: &str) -> Result<Order>;

#[allow(dead_code)]
async fn watch() -> Result<Order> {
    let mut s = order("two apples for Ana").stream();
    while let Some(p) = s.next().await {
        let p: <Order as Partial>::Partial = p?;
        let _: Option<&String> = p.customer.as_ref();
    }
    s.into_value().await
}

fn main() {
    let finished = Order {
        customer: "Ana".into(),
        items: vec![Item { name: "apple".into(), quantity: 2 }],
        note: None,
    };
    let snapshot = Order::partial_from(&finished).unwrap();
    assert_eq!(
        snapshot,
        OrderPartial {
            customer: Some("Ana".into()),
            items: Some(vec![ItemPartial { name: Some("apple".into()), quantity: Some(2) }]),
            note: None,
        }
    );
}
