//! Shared helpers for promptfn's integration tests: an in-process mock server that records
//! every request and answers with scripted replies, and the live-server switch.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    missing_debug_implementations
)]

pub mod batch_mock;
pub mod fault;
pub mod live;
pub mod mock;

/// The English README's Rust examples, compiled as doc tests against the crates its
/// `[dependencies]` block names (`readme_dependencies` checks that block against the workspace).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct Readme;

#[cfg(test)]
mod readme_dependencies {
    /// The `[dependencies]` block of the README, line by line.
    fn block() -> Vec<String> {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("```toml\n[dependencies]\n")
            .expect("the README shows a [dependencies] block");
        let block = &readme[start + "```toml\n".len()..];
        let end = block.find("```").expect("the block ends");
        block[..end].lines().map(str::to_owned).collect()
    }

    /// The line of `name`, e.g. `serde = { version = "1", features = ["derive"] }`.
    fn line(name: &str) -> String {
        block()
            .into_iter()
            .find(|l| l.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("the README's [dependencies] lists {name}"))
    }

    /// The major version the workspace asks for, e.g. `1` for `schemars = "1.2"`.
    fn workspace_major(name: &str) -> String {
        let manifest = include_str!("../../Cargo.toml");
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("the workspace depends on {name}"));
        let version = line.split('"').nth(1).expect("a quoted version");
        version.split('.').next().unwrap().to_owned()
    }

    #[test]
    fn the_readme_dependencies_match_what_promptfn_and_its_examples_need() {
        let promptfn = line("promptfn");
        let own = env!("CARGO_PKG_VERSION")
            .rsplit_once('.')
            .unwrap()
            .0
            .to_owned();
        assert!(promptfn.contains(&format!("\"{own}\"")), "{promptfn}");
        for name in ["schemars", "serde"] {
            let major = workspace_major(name);
            assert!(
                line(name).contains(&format!("\"{major}\"")),
                "{name}: {}",
                line(name)
            );
        }
        assert!(line("serde").contains("\"derive\""));
        let tokio = line("tokio");
        for feature in ["rt-multi-thread", "macros"] {
            assert!(tokio.contains(&format!("\"{feature}\"")), "{tokio}");
        }
    }
}
