//! The awaited reading of an exchange: whole answers, judged choice by choice, tool rounds run
//! between them, unusable answers asked for again; and the choices a server did not give,
//! filled by concurrent exchanges.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use crate::error::{DecodeError, Error, RejectedAnswer, Result, excerpt};
use crate::lenient::Repair;
use crate::message::Message;
use crate::output::{CallDeadline, Output, OutputPlan};
use crate::plan::RequestPlan;
use crate::response::{FinishReason, Response, Usage};
use crate::structured::Mode;
use crate::tool;
use crate::wire::answer::{AssistantMessage, Choice};

use super::exchange::{Exchange, plan_of};
use super::resolve::Resolved;

/// The whole value of an awaited call: its media prepared, then `want` answers (one unless
/// `T` is `Choices`), from the exchange and, when the server gave fewer choices than asked,
/// from concurrent refills.
///
/// This and [`answer`] are `async` blocks rather than `async fn`s: an `async fn` keeps its
/// arguments twice in its state (as passed, and moved into its body), and their states are
/// part of every boxed call. Likewise, no value lives across an `.await` that does not have to
/// (a response waiting for refills, media being downloaded): what does is boxed.
#[expect(clippy::manual_async_fn, reason = "see the doc: smaller state")]
pub(crate) fn run<T: Output>(
    mut call: Arc<Resolved>,
    messages: Vec<Message>,
    reads: Reads,
) -> impl Future<Output = Result<Response<T>>> + Send {
    async move {
        if crate::media::has_media(&messages) {
            // Nothing else holds the call until its exchange begins.
            let Some(unshared) = Arc::get_mut(&mut call) else {
                return Err(Error::Config(
                    "the call was shared before its media was prepared; this is a bug in promptfn"
                        .into(),
                ));
            };
            Box::pin(unshared.prepare_media(&messages)).await?;
        }
        let declared_n = call.n();
        // `Choices<T>` wants `n` answers; anything else wants one, whatever `n` says.
        let want = if T::CHOICES {
            declared_n.unwrap_or(1).max(1) as usize
        } else {
            1
        };
        // Refills start from the prompt: it is copied only when one may be needed.
        let prompt = (want > 1).then(|| messages.clone());
        let exchange = Exchange::new(Arc::clone(&call), messages);
        // The answer is handed to the refills, boxed, in a scope of its own: a value borrowed
        // in a scope that spans an `.await` is kept in the future's state.
        let refilled = {
            let response = answer::<T>(exchange, want, reads).await?;
            if response.value.len() < want {
                Err(Box::pin(refill(
                    &call,
                    prompt.unwrap_or_default(),
                    want,
                    response,
                )))
            } else {
                Ok(response)
            }
        };
        let mut response = match refilled {
            Ok(response) => response,
            Err(refilling) => refilling.await?,
        };
        let value = match std::mem::replace(&mut response.value, Gathered::Items(Vec::new())) {
            Gathered::Whole(whole) => Some(whole),
            Gathered::Items(items) => T::from_items(items),
        };
        // A defence only: `answer` gives items only when it has some, and refills add to them
        // (the raw body is kept only for a caller who reads it, so this excerpt may be empty).
        let Some(value) = value else {
            return Err(Error::Protocol {
                reason: "the completion has no usable choice".into(),
                raw: excerpt(&response.raw),
            });
        };
        // Only a call that succeeded as a whole (missing choices filled too) adds its turns.
        if let Some(keep) = &call.keep {
            keep.commit();
        }
        Ok(response.map(|_| value))
    }
}

/// The server gave fewer choices than asked (llama.cpp ignores `n`): fills the rest of `want`
/// with single-answer requests for `prompt`, concurrently, added to `response`. Each is
/// judged, re-asked and replaced exactly as one of several choices would be.
async fn refill<T: Output>(
    call: &Arc<Resolved>,
    prompt: Vec<Message>,
    want: usize,
    mut response: Response<Gathered<T>>,
) -> Result<Response<Gathered<T>>> {
    let missing = want.saturating_sub(response.value.len());
    let fills = futures_util::future::join_all((0..missing).map(|_| {
        let refill = Exchange::new(Arc::clone(call), prompt.clone()).with_n(None);
        answer::<T>(refill, 1, Reads::VALUE)
    }))
    .await;
    for fill in fills {
        let fill = fill?;
        response.usage = Usage::sum(response.usage, fill.usage);
        response.requests += fill.requests;
        response.repairs.extend(fill.repairs);
        if let (Gathered::Items(items), Gathered::Items(more)) = (&mut response.value, fill.value) {
            items.extend(more);
        }
    }
    Ok(response)
}

/// One answer (or, for `want > 1`, up to `want` answers from the choices of one completion),
/// re-asking the model while its output cannot be used, running tool rounds on the way.
#[expect(clippy::manual_async_fn, reason = "see the doc: smaller state")]
fn answer<T: Output>(
    mut ex: Exchange,
    want: usize,
    reads: Reads,
) -> impl Future<Output = Result<Response<Gathered<T>>>> + Send {
    async move {
        let call = Arc::clone(&ex.call);
        let plan = call.plan;
        let mut rejected: Vec<RejectedAnswer> = Vec::new();
        loop {
            let body = ex.send().await?;
            let (raw, parsed) = call.dialect.decode(&body);
            let mut parsed = parsed.map_err(|reason| Error::Protocol {
                reason,
                raw: excerpt(&raw),
            })?;
            // Moved into the response, not copied.
            let (id, model) = (parsed.id.take(), parsed.model.take());
            if let Some(error) = &parsed.error {
                return Err(
                    crate::error::ApiError::from_body(200, error.to_string().as_bytes()).into(),
                );
            }
            ex.add_usage(parsed.usage);
            let usage = ex.usage;
            if parsed.choices.is_empty() {
                return Err(Error::Protocol {
                    reason: "the completion has no choices".into(),
                    raw: excerpt(&raw),
                });
            }
            let req = plan_of(&call, ex.mode, ex.steps)?;

            let first = &parsed.choices[0];
            let answer_text = req.answer_text(&first.message);
            if let Some(fatal) = fatal_finish(first, answer_text) {
                return Err(fatal);
            }
            if first
                .finish_reason
                .as_ref()
                .is_some_and(FinishReason::is_paused)
            {
                ex.continue_paused(first.message.to_message())?;
                continue;
            }
            // Cut tool calls cannot be run or handed over.
            if first.finish_reason == Some(FinishReason::Length)
                && (T::TOOL_CALLS
                    || (call.toolbox.is_some() && !first.message.tool_calls.is_empty()))
            {
                return Err(Error::Incomplete {
                    partial: answer_text.unwrap_or_default().to_owned(),
                    usage,
                });
            }

            let calls =
                first.message.tool_calls.len() + usize::from(first.message.function_call.is_some());
            tool::check_call_count(calls, call.client.max_tool_calls()).map_err(|reason| {
                Error::Protocol {
                    reason,
                    raw: excerpt(&raw),
                }
            })?;
            // A round of tool calls: run them, hand the results back, ask again.
            if !T::TOOL_CALLS
                && call.toolbox.is_some()
                && let Some(turn) = tool::calls_to_run(&first.message, ex.mode)
            {
                // Boxed: a tool round's state would otherwise sit in every call's.
                Box::pin(ex.run_tools(turn)).await?;
                continue;
            }

            // Manual mode: the requested calls are the answer.
            if T::TOOL_CALLS {
                let deadline = CallDeadline::from_now(call.timeout);
                match tool::take_calls::<T>(call.toolbox.as_ref(), &first.message, deadline) {
                    Ok((whole, repairs)) => {
                        let whole = whole.ok_or_else(|| Error::Protocol {
                            reason: "the completion has no usable choice".into(),
                            raw: excerpt(&raw),
                        })?;
                        let reply = Reply { id, model, first };
                        return Ok(reply.response(ex, Gathered::Whole(whole), raw, repairs, reads));
                    }
                    Err(reason) => {
                        tracing::debug!(function = call.function, %reason, "unusable tool calls");
                        rejected.push(RejectedAnswer {
                            raw: excerpt(&tool::calls_text(&first.message)),
                            reason: reason.clone(),
                        });
                        if rejected.len() > call.retries as usize {
                            return Err(DecodeError {
                                type_name: plan.type_name,
                                attempts: rejected,
                            }
                            .into());
                        }
                        let from = ex.conversation.len();
                        tool::reask_calls(&mut ex.conversation, &first.message, &reason);
                        ex.mark_reask(from);
                        continue;
                    }
                }
            }

            // Tool mode forced the answer tool, and no tool was called: the server does not honour
            // the mode. The content is still read (it may hold the value); if it holds none, the
            // model never saw the schema, so the request is sent again in the best JSON mode left
            // (see `Exchange::step_down_from_unused_tool`), not re-asked.
            let unused_tool = ex.mode == Some(Mode::Tool) && calls == 0;
            // A call whose type is one answer (not `Choices`, whose refills gather items) takes it
            // without a list around it.
            let mut single = None;
            let mut items = Vec::new();
            let mut repairs = Vec::new();
            let mut first_rejection: Option<(usize, Rejection)> = None;
            let mut first_fatal: Option<Error> = None;
            // This completion's own token count, when it is one answer's.
            let answer_usage = parsed.usage.filter(|_| parsed.choices.len() == 1);
            for (i, choice) in parsed.choices.iter().take(want).enumerate() {
                match judge::<T>(&call, &req, plan, choice, answer_usage) {
                    Ok(Judgement::Value(item, fixed)) => {
                        if !T::CHOICES {
                            single = Some(item);
                        } else {
                            items.push(item);
                        }
                        repairs.extend(fixed);
                    }
                    Ok(Judgement::Reask(rejection)) => {
                        first_rejection.get_or_insert((i, rejection));
                    }
                    Err(fatal) => {
                        first_fatal.get_or_insert(fatal);
                    }
                }
            }
            let gathered = match single {
                Some(item) => Some(Gathered::Whole(T::from_item(item).ok_or_else(|| {
                    Error::Protocol {
                        reason: "the completion has no usable choice".into(),
                        raw: excerpt(&raw),
                    }
                })?)),
                None => (!items.is_empty()).then_some(Gathered::Items(items)),
            };
            if let Some(gathered) = gathered {
                let asked_in = ex.mode;
                if unused_tool {
                    // Later calls to this model may start in another mode.
                    ex.step_down_from_unused_tool();
                }
                let reply = Reply { id, model, first };
                let mut response = reply.response(ex, gathered, raw, repairs, reads);
                response.mode = asked_in;
                return Ok(response);
            }
            if let Some(fatal) = first_fatal {
                return Err(fatal);
            }
            if unused_tool && ex.step_down_from_unused_tool() {
                continue;
            }
            let Some((index, rejection)) = first_rejection else {
                continue;
            };
            let message = &parsed.choices[index].message;
            let answer = req.answer_text(message).unwrap_or_default();
            let reason = rejection.reason;
            tracing::debug!(function = call.function, %reason, "unusable answer");
            rejected.push(RejectedAnswer {
                raw: excerpt(answer),
                reason: reason.clone(),
            });
            if rejected.len() > call.retries as usize {
                // The last answer was cut short: the token limit, not the model, is the problem.
                if rejection.cut {
                    return Err(Error::Incomplete {
                        partial: answer.to_owned(),
                        usage,
                    });
                }
                return Err(DecodeError {
                    type_name: plan.type_name,
                    attempts: rejected,
                }
                .into());
            }
            let from = ex.conversation.len();
            req.append_reask(&mut ex.conversation, message, &reason);
            ex.mark_reask(from);
        }
    }
}

/// What the caller reads of a [`Response`] besides its value: what is not read is not kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reads {
    /// [`Response::transcript`] (also read when the call's trace records content).
    pub(crate) transcript: bool,
    /// [`Response::raw`].
    pub(crate) raw: bool,
}

impl Reads {
    /// A plain `.await`: the value alone.
    pub(crate) const VALUE: Self = Self {
        transcript: false,
        raw: false,
    };

    /// `.with_meta().await`: the whole response.
    pub(crate) const EVERYTHING: Self = Self {
        transcript: true,
        raw: true,
    };
}

/// What a successful completion says besides its value.
struct Reply<'a> {
    id: Option<String>,
    model: Option<String>,
    first: &'a Choice,
}

impl Reply<'_> {
    fn response<T: Output>(
        self,
        ex: Exchange,
        value: Gathered<T>,
        raw: Cow<'_, str>,
        repairs: Vec<Repair>,
        reads: Reads,
    ) -> Response<Gathered<T>> {
        let message = &self.first.message;
        ex.stage_kept_turns(|| message.to_message());
        Response {
            value,
            id: self.id,
            model: self.model,
            usage: ex.usage,
            finish_reason: self.first.finish_reason.clone(),
            // Copied out of the body only for a caller who reads it.
            raw: if reads.raw {
                raw.into_owned()
            } else {
                String::new()
            },
            repairs,
            requests: ex.requests,
            mode: ex.mode,
            reasoning: message.reasoning_text().map(str::to_owned),
            sources: message.sources.clone(),
            transcript: finished(ex.conversation, message, reads.transcript),
        }
    }
}

/// Decide what one choice is worth: a value, a reason to re-ask, or an error that re-asking
/// cannot fix (content filter, refusal).
fn judge<T: Output>(
    call: &Resolved,
    req: &RequestPlan<'_>,
    plan: &OutputPlan,
    choice: &Choice,
    usage: Option<Usage>,
) -> Result<Judgement<T::Item>> {
    let answer_text = req.answer_text(&choice.message);
    if let Some(fatal) = fatal_finish(choice, answer_text) {
        return Err(fatal);
    }
    // Text cut at the token limit is still the answer (`finish_reason` says it was cut); a
    // structured answer cut short is asked for again, shorter, unless it is whole.
    if choice.finish_reason == Some(FinishReason::Length) && plan.json().is_some() {
        let text = answer_text.unwrap_or_default();
        if let Some(whole) = whole_before_the_cut::<T>(call, plan, text) {
            return Ok(whole);
        }
        return Ok(Judgement::Reask(Rejection {
            reason: cut_reason(text, usage),
            cut: true,
        }));
    }
    let Some(text) = answer_text else {
        return Ok(Judgement::Reask(Rejection::new(
            "the model gave no answer (empty content and no tool call)",
        )));
    };
    Ok(match plan.decode_within::<T::Item>(text, call.timeout) {
        Err(reason) => Judgement::Reask(Rejection::new(reason)),
        Ok((item, repairs)) => match call.validator.map_or(Ok(()), |validate| validate(&item)) {
            Ok(()) => Judgement::Value(item, repairs),
            Err(why) => Judgement::Reask(Rejection::new(format!("the value is not valid: {why}"))),
        },
    })
}

/// The value of a structured answer cut at the token limit after its JSON had ended, if it
/// had: llama-server holds JSON to a grammar that allows whitespace after each value and
/// strips that whitespace from the content, so the limit can fall after the closing bracket.
/// The answer must close its own brackets and read without any repair that makes up a cut
/// end: nothing the answer did not contain is ever returned.
fn whole_before_the_cut<T: Output>(
    call: &Resolved,
    plan: &OutputPlan,
    text: &str,
) -> Option<Judgement<T::Item>> {
    if !matches!(text.trim_end().chars().last(), Some('}' | ']')) {
        return None;
    }
    let (item, repairs) = plan.decode_within::<T::Item>(text, call.timeout).ok()?;
    if repairs.iter().any(Repair::fills_a_cut_end) {
        return None;
    }
    call.validator
        .is_none_or(|validate| validate(&item).is_ok())
        .then_some(Judgement::Value(item, repairs))
}

/// The transcript of a successful call: the conversation and the model's final turn, or
/// nothing when the caller does not read it.
fn finished(mut conversation: Vec<Message>, last: &AssistantMessage, wanted: bool) -> Vec<Message> {
    if !wanted {
        return Vec::new();
    }
    conversation.push(last.to_message());
    conversation
}

/// Why a structured answer cut at the token limit is asked for again.
fn cut_reason(answer: &str, usage: Option<Usage>) -> String {
    let size = match usage {
        Some(usage) if usage.completion_tokens > 0 => format!("{} tokens", usage.completion_tokens),
        _ => format!("{} characters", answer.chars().count()),
    };
    format!(
        "the answer was cut at the token limit after {size}, so its JSON is incomplete; \
         give a shorter answer that fits"
    )
}

/// The error a choice's ending makes final, whatever its content: the content filter, a
/// provider-side error, a refusal.
fn fatal_finish(choice: &Choice, answer_text: Option<&str>) -> Option<Error> {
    let partial = || answer_text.unwrap_or_default().to_owned();
    match &choice.finish_reason {
        Some(FinishReason::ContentFilter) => {
            return Some(Error::ContentFilter { partial: partial() });
        }
        // OpenRouter and others end a choice with "error" when the upstream failed mid-answer.
        Some(FinishReason::Other(reason)) if reason == "error" => {
            return Some(Error::Protocol {
                reason: "the provider ended the answer with finish_reason \"error\"".into(),
                raw: excerpt(answer_text.unwrap_or_default()),
            });
        }
        _ => {}
    }
    let refusal = choice
        .message
        .refusal
        .as_deref()
        .filter(|r| !r.trim().is_empty())?;
    Some(Error::Refused {
        refusal: refusal.to_owned(),
    })
}

/// What [`answer`] gathered: decoded choices, or the whole value (manual tool mode, and a type
/// that is one answer).
enum Gathered<T: Output> {
    Items(Vec<T::Item>),
    Whole(T),
}

impl<T: Output> Gathered<T> {
    fn len(&self) -> usize {
        match self {
            Self::Items(items) => items.len(),
            Self::Whole(_) => 1,
        }
    }
}

/// What one choice of a completion is worth.
enum Judgement<I> {
    /// A decoded (and valid) value, with the repairs it took.
    Value(I, Vec<Repair>),
    /// Why the model should be asked again.
    Reask(Rejection),
}

/// Why an answer is asked for again.
struct Rejection {
    reason: String,
    /// The answer was cut at the token limit: when no re-ask is left, the call ends in
    /// [`Error::Incomplete`] rather than [`Error::Decode`].
    cut: bool,
}

impl Rejection {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            cut: false,
        }
    }
}
