// Everything about the signature that cannot work is reported at once.
use promptfn::tool;

/// Not a usable tool.
#[tool]
unsafe fn answer<T>((a, b): (u8, u8), value: T) -> impl std::fmt::Debug {
    let _ = value;
    (a, b)
}

fn main() {}
