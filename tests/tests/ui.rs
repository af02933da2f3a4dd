//! Compile-time contract of `#[prompt]` and `#[tool]`:
//! - `tests/ui/<category>/`: compile-fail cases, each with its expected diagnostics beside it;
//! - `tests/ui-pass/`: one passing program per declaration form, each asserting what it renders.
//!
//! Re-bless with `TRYBUILD=overwrite cargo test -p promptfn-tests --test ui`.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

#[test]
fn ui() {
    copy_prompt_files();
    let t = trybuild::TestCases::new();
    t.pass("ui-pass/*.rs");
    t.compile_fail("ui/*/*.rs");
}

/// trybuild compiles the cases in its own project, `<target>/tests/trybuild/promptfn-tests`,
/// whose root is where `path = "prompts/…"` resolves: put the prompt files there, as askama's
/// tests do with their templates.
fn copy_prompt_files() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
    let project = target_dir().join("tests/trybuild/promptfn-tests/prompts");
    std::fs::create_dir_all(&project).expect("create the trybuild prompts directory");
    for entry in std::fs::read_dir(&source).expect("tests/prompts exists") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().expect("a file name");
        std::fs::copy(&path, project.join(name)).expect("copy a prompt file");
    }
}

/// Cargo's target directory: the nearest ancestor of this test binary that holds cargo's
/// `CACHEDIR.TAG` (this also finds a `CARGO_TARGET_DIR` elsewhere).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
            Path::to_path_buf,
        )
}
