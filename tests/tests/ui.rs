//! Compile-fail contract of `#[prompt]`: each case under `tests/ui/<category>/` has its
//! expected diagnostics checked in beside it. Re-bless with `TRYBUILD=overwrite cargo test -p promptfn-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*/*.rs");
}
