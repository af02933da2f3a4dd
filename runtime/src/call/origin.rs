//! Where a call's fixed settings come from: a `#[prompt]` declaration, or a prompt built at run
//! time ([`Call::from_messages`](super::Call::from_messages)), which declares nothing.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::output::{Output, OutputPlan};
use crate::spec::{Decl, PromptSpec};

/// What a call was made from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// A `#[prompt]` function: its name, declared keys and cached output plan.
    Declared(&'static PromptSpec),
    /// Messages assembled at run time, under the name the caller gave (for logs, errors and the
    /// testing kit's scripts).
    Assembled(&'static str),
}

/// The keys of a prompt built at run time: none (every setting comes from the call or the client).
static NOTHING_DECLARED: Decl = Decl::DEFAULT;

impl Origin {
    /// The name errors, logs and test doubles know the call by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Declared(spec) => spec.name,
            Self::Assembled(name) => name,
        }
    }

    /// The function's path (`app::Planner::run`), which tells apart functions of the same
    /// name; a run-time prompt's name.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::Declared(spec) => spec.function_path(),
            Self::Assembled(name) => name,
        }
    }

    /// The declared keys (none for a run-time prompt).
    pub(crate) fn decl(self) -> &'static Decl {
        match self {
            Self::Declared(spec) => &spec.decl,
            Self::Assembled(_) => &NOTHING_DECLARED,
        }
    }

    /// The output plan of `T`: the declaration's cached one, or the one shared by every
    /// run-time prompt returning `T`.
    pub(crate) fn plan<T: Output>(self) -> &'static OutputPlan {
        match self {
            Self::Declared(spec) => spec.output.get::<T>(),
            Self::Assembled(_) => shared_plan::<T>(),
        }
    }
}

/// Output plans of run-time prompts, one per return type.
///
/// A declared function keeps its plan in its own `static`; Rust has no generic statics, so run-time
/// prompts share this map. Each plan is computed once and leaked once per type: the number of
/// types is fixed when the program is compiled, so the memory is bounded however many calls a
/// long-running service makes.
static SHARED_PLANS: Mutex<Option<HashMap<TypeId, &'static OutputPlan>>> = Mutex::new(None);

fn shared_plan<T: Output>() -> &'static OutputPlan {
    let mut plans = SHARED_PLANS.lock().unwrap_or_else(PoisonError::into_inner);
    plans
        .get_or_insert_with(HashMap::new)
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(OutputPlan::of::<T>())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_prompts_share_one_plan_per_type() {
        let a = Origin::Assembled("a").plan::<Vec<u32>>();
        let b = Origin::Assembled("b").plan::<Vec<u32>>();
        assert!(std::ptr::eq(a, b));
        let text = Origin::Assembled("a").plan::<String>();
        assert!(!std::ptr::eq(a, text));
        assert_eq!(Origin::Assembled("triage").name(), "triage");
        assert!(Origin::Assembled("triage").decl().model.is_none());
    }
}
