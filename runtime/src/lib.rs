//! promptfn
