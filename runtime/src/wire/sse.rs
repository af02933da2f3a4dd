//! Server-Sent Events decoder for streamed chat completions.
//!
//! Streams from OpenAI-compatible servers are SSE (`data: {json}` lines, blank-line separated,
//! ended by `data: [DONE]`). Common SSE crates re-scan the unfinished line on every chunk, so an
//! 8 MB line of base64 arriving in 1 KB chunks costs quadratic time. This decoder looks at each
//! byte once: it is a line state machine that survives chunk boundaries, finds line ends with
//! `memchr`, and copies a field value straight into the event being built.
//!
//! The rules are the WHATWG "event stream interpretation" ones, with three deliberate changes
//! for a client that must notice broken responses: invalid UTF-8 is an error instead of being
//! replaced, an event over a size limit is an error instead of unbounded memory, and the
//! `[DONE]` sentinel and the way the body ended are reported.

use std::collections::VecDeque;
use std::fmt;
use std::iter::FusedIterator;
use std::mem;
use std::sync::Arc;

use memchr::{memchr2, memchr3};

/// Default largest event, in bytes, that [`SseDecoder::new`] accepts: 16 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// Data of the event that OpenAI-compatible servers send last.
const DONE_SENTINEL: &[u8] = b"[DONE]";
/// UTF-8 byte order mark, ignored once at the start of the stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Length of the longest field name with a meaning (`event`, `retry`); longer names are
/// unknown, so only this many bytes of a name are kept.
const LONGEST_FIELD_NAME: usize = 5;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, or `None` when absent or empty (the SSE default type, `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id set by an `id:` line, in this event or an earlier one (ids persist, as
    /// in the SSE standard); `None` when never set or reset by an empty `id:`. Shared, not
    /// copied, by the events that carry it.
    pub id: Option<Arc<str>>,
}

/// What the decoder produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// An ordinary event.
    Event(SseEvent),
    /// An event whose data is `[DONE]` (surrounding ASCII whitespace tolerated): the server
    /// says the stream is complete. Its event type and id are not looked at.
    Done,
}

/// A field whose value can be rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseField {
    /// The `event:` field.
    Event,
    /// The `data:` field.
    Data,
    /// The `id:` field.
    Id,
}

impl fmt::Display for SseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Event => "event",
            Self::Data => "data",
            Self::Id => "id",
        })
    }
}

/// An event that was dropped. The decoder carries on with the next event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// A field value is not valid UTF-8.
    InvalidUtf8 {
        /// The field holding the bad bytes.
        field: SseField,
        /// Length of the valid prefix of the value.
        valid_up_to: usize,
    },
    /// The event grew past the size limit (its fields, the id in force included); reported as
    /// soon as it does, and the rest of the event is skipped without being stored.
    EventTooLarge {
        /// The limit, in bytes of field values.
        limit: usize,
    },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 { field, valid_up_to } => write!(
                f,
                "SSE event dropped: its `{field}` field is not valid UTF-8 \
                 (invalid byte after {valid_up_to} valid bytes)"
            ),
            Self::EventTooLarge { limit } => {
                write!(
                    f,
                    "SSE event dropped: it exceeds the limit of {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for SseError {}

/// How a body that did not end with `[DONE]` ended; either way the response may be truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseTruncation {
    /// The body stopped inside a line, or after field lines that no blank line closed: the
    /// last event was cut and not dispatched.
    EndedMidEvent,
    /// The body stopped between events but the `[DONE]` sentinel never came.
    EndedWithoutDone,
}

impl fmt::Display for SseTruncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EndedMidEvent => {
                "the event stream ended in the middle of an event; the response may be truncated"
            }
            Self::EndedWithoutDone => {
                "the event stream ended without `data: [DONE]`; the response may be truncated"
            }
        })
    }
}

impl std::error::Error for SseTruncation {}

/// Where the decoder is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    /// Nothing of the line seen yet.
    Start,
    /// Reading the field name.
    Name,
    /// Just after the colon of a known field: one space may follow and is dropped.
    ValueStart(SseField),
    /// Reading the value of a known field.
    Value(SseField),
    /// Ignoring the rest of the line (comment, `retry`, unknown field, oversized event).
    Skip,
}

/// Incremental SSE decoder: feed it the body's chunks as they come, take out the items.
///
/// ```
/// use promptfn::__private::sse::{SseDecoder, SseItem};
///
/// let mut decoder = SseDecoder::new();
/// let mut texts = Vec::new();
/// for chunk in [&b"data: {\"a\":"[..], b"1}\n\n: ping\n\nda", b"ta: [DONE]\n\n"] {
///     for item in decoder.feed(chunk) {
///         match item {
///             Ok(SseItem::Event(event)) => texts.push(event.data),
///             Ok(SseItem::Done) => {}
///             // One event is lost; the decoder goes on with the next one.
///             Err(error) => eprintln!("{error}"),
///         }
///     }
/// }
/// assert_eq!(texts, ["{\"a\":1}"]);
/// // An error here means the body may have been truncated.
/// assert!(decoder.finish().is_ok());
/// ```
pub struct SseDecoder {
    max_event_bytes: usize,
    line: LineState,
    /// The last line ended with CR: an LF right after it, even in the next chunk, belongs to it.
    after_cr: bool,
    /// `Some(n)`: still at the stream start, with the first `n` bytes of a BOM held back.
    bom_matched: Option<usize>,
    name: [u8; LONGEST_FIELD_NAME],
    /// Full length of the field name read so far (only the first bytes are kept in `name`).
    name_len: usize,
    /// Data lines of the pending event joined with LF.
    data: Vec<u8>,
    has_data: bool,
    event_type: Vec<u8>,
    /// Value of the `event:` or `id:` line being read; committed when the line ends.
    value: Vec<u8>,
    last_id: Option<Arc<str>>,
    /// A field line was read since the last blank line.
    event_open: bool,
    /// The pending event went over the limit: skip it until its blank line.
    oversized: bool,
    /// The pending event has a bad field and will be reported instead of dispatched.
    invalid: Option<SseError>,
    done: bool,
    ready: VecDeque<Result<SseItem, SseError>>,
}

impl fmt::Debug for SseDecoder {
    // Buffers can hold megabytes: show their sizes, not their bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseDecoder")
            .field("max_event_bytes", &self.max_event_bytes)
            .field("line", &self.line)
            .field("pending_data_bytes", &self.data.len())
            .field("ready_items", &self.ready.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder for a new stream, accepting events up to [`DEFAULT_MAX_EVENT_BYTES`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A decoder for a new stream whose events may hold at most `max_event_bytes` bytes of
    /// field values: the data with its `\n` joins, the event type, and the `event:` or `id:`
    /// line being read. Larger events are reported as [`SseError::EventTooLarge`]. Comments
    /// and unknown fields are never stored, so they do not count.
    #[must_use]
    pub fn with_max_event_bytes(max_event_bytes: usize) -> Self {
        Self {
            max_event_bytes,
            line: LineState::Start,
            after_cr: false,
            bom_matched: Some(0),
            name: [0; LONGEST_FIELD_NAME],
            name_len: 0,
            data: Vec::new(),
            has_data: false,
            event_type: Vec::new(),
            value: Vec::new(),
            last_id: None,
            event_open: false,
            oversized: false,
            invalid: None,
            done: false,
            ready: VecDeque::new(),
        }
    }

    /// The size limit this decoder was built with.
    #[must_use]
    pub fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// Whether a `[DONE]` event has been decoded (or accepted by [`finish`](Self::finish)).
    #[must_use]
    pub fn done_seen(&self) -> bool {
        self.done
    }

    /// Decodes the next chunk of the body (any size, split anywhere) and returns its items,
    /// oldest first. The chunk is decoded as the items are taken, one event ahead at most, so
    /// that a chunk of a million tiny events never becomes a million events in memory. What
    /// the iterator does not yield is decoded when it is dropped and stays queued for
    /// [`next_item`](Self::next_item) or the next `feed`.
    pub fn feed<'a>(&'a mut self, chunk: &'a [u8]) -> SseItems<'a> {
        SseItems {
            decoder: self,
            input: chunk,
        }
    }

    /// The next item of `input` (advanced past what it decodes) or of the queue; `None` when
    /// the queue is empty and `input` holds no further item.
    pub fn next_from(&mut self, input: &mut &[u8]) -> Option<Result<SseItem, SseError>> {
        if self.ready.is_empty() && !input.is_empty() {
            let rest = self.skip_bom(input);
            *input = self.consume_until_item(rest);
        }
        self.ready.pop_front()
    }

    /// Takes the oldest queued item, if any.
    pub fn next_item(&mut self) -> Option<Result<SseItem, SseError>> {
        self.ready.pop_front()
    }

    /// Reports how the body ended; call it once the body has no more bytes.
    ///
    /// `Ok` when `[DONE]` was seen. A final `data: [DONE]` line that lacks its closing blank
    /// line (or even its line ending) is accepted too, since nothing can be missing after it.
    /// Otherwise the response may be truncated, and the error says whether the body stopped
    /// inside an event or between events. The pending event, if any, is never dispatched.
    /// Calling it again gives the same answer.
    pub fn finish(&mut self) -> Result<(), SseTruncation> {
        if self.done {
            return Ok(());
        }
        if self.pending_event_is_done() {
            self.done = true;
            return Ok(());
        }
        let partial_bom = matches!(self.bom_matched, Some(held) if held > 0);
        if self.event_open || self.line != LineState::Start || partial_bom {
            Err(SseTruncation::EndedMidEvent)
        } else {
            Err(SseTruncation::EndedWithoutDone)
        }
    }

    fn pending_event_is_done(&self) -> bool {
        let line_done = matches!(
            self.line,
            LineState::Start | LineState::Value(SseField::Data)
        );
        line_done
            && self.has_data
            && !self.oversized
            && self.invalid.is_none()
            && self.data.trim_ascii() == DONE_SENTINEL
    }

    /// Drops a BOM at the stream start, even one split across chunks.
    fn skip_bom<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        let Some(held) = self.bom_matched else {
            return chunk;
        };
        let expected = BOM.get(held..).unwrap_or_default();
        let matching = chunk
            .iter()
            .zip(expected)
            .take_while(|(got, want)| got == want)
            .count();
        if matching == expected.len() {
            self.bom_matched = None;
            return chunk.get(matching..).unwrap_or_default();
        }
        if matching == chunk.len() {
            self.bom_matched = Some(held + matching);
            return &[];
        }
        // Not a BOM after all: the bytes held back are ordinary input.
        self.bom_matched = None;
        self.consume(BOM.get(..held).unwrap_or_default());
        chunk
    }

    fn consume(&mut self, input: &[u8]) {
        self.decode(input, false);
    }

    /// Decodes `input` until an item is queued or the input is spent; returns what is left.
    fn consume_until_item<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        self.decode(input, true)
    }

    /// Decodes `input`, all of it or (`one_item`) until one more item is queued; returns what
    /// is left.
    fn decode<'a>(&mut self, mut input: &'a [u8], one_item: bool) -> &'a [u8] {
        let queued = self.ready.len();
        while let Some((&first, after_first)) = input.split_first() {
            if one_item && self.ready.len() > queued {
                break;
            }
            if mem::take(&mut self.after_cr) && first == b'\n' {
                input = after_first;
                continue;
            }
            input = match self.line {
                LineState::Start => self.start_line(first, input, after_first),
                LineState::Name => self.read_name(input),
                LineState::ValueStart(field) => {
                    self.open_value(field);
                    if first == b' ' { after_first } else { input }
                }
                LineState::Value(field) => self.read_value(field, input),
                LineState::Skip => self.skip_line(input),
            };
        }
        input
    }

    fn start_line<'a>(&mut self, first: u8, input: &'a [u8], after_first: &'a [u8]) -> &'a [u8] {
        match first {
            b'\r' | b'\n' => {
                self.end_line(first);
                self.dispatch();
                after_first
            }
            b':' => {
                self.line = LineState::Skip;
                after_first
            }
            _ => {
                self.event_open = true;
                self.name_len = 0;
                self.line = if self.oversized {
                    LineState::Skip
                } else {
                    LineState::Name
                };
                input
            }
        }
    }

    fn read_name<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let Some(end) = memchr3(b':', b'\r', b'\n', input) else {
            self.push_name(input);
            return &[];
        };
        let (name, rest) = input.split_at(end);
        self.push_name(name);
        let field = self.known_field();
        let Some((&delimiter, rest)) = rest.split_first() else {
            return rest;
        };
        if delimiter == b':' {
            self.line = field.map_or(LineState::Skip, LineState::ValueStart);
        } else {
            // A line without a colon is a field with an empty value.
            if let Some(field) = field {
                self.open_value(field);
                self.close_value(field);
            }
            self.end_line(delimiter);
        }
        rest
    }

    fn push_name(&mut self, bytes: &[u8]) {
        if let Some(free) = self.name.get_mut(self.name_len..) {
            let kept = free.len().min(bytes.len());
            free[..kept].copy_from_slice(&bytes[..kept]);
        }
        self.name_len = self.name_len.saturating_add(bytes.len());
    }

    fn known_field(&self) -> Option<SseField> {
        match self.name.get(..self.name_len)? {
            b"data" => Some(SseField::Data),
            b"event" => Some(SseField::Event),
            b"id" => Some(SseField::Id),
            _ => None,
        }
    }

    fn open_value(&mut self, field: SseField) {
        self.line = LineState::Value(field);
        match field {
            SseField::Data => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.has_data = true;
                self.check_size();
            }
            SseField::Event | SseField::Id => self.value.clear(),
        }
    }

    fn read_value<'a>(&mut self, field: SseField, input: &'a [u8]) -> &'a [u8] {
        let Some(end) = memchr2(b'\r', b'\n', input) else {
            self.append_value(field, input);
            return &[];
        };
        let (value, rest) = input.split_at(end);
        self.append_value(field, value);
        let Some((&line_end, rest)) = rest.split_first() else {
            return rest;
        };
        self.close_value(field);
        self.end_line(line_end);
        rest
    }

    fn append_value(&mut self, field: SseField, bytes: &[u8]) {
        if self.oversized {
            return;
        }
        match field {
            SseField::Data => self.data.extend_from_slice(bytes),
            SseField::Event | SseField::Id => self.value.extend_from_slice(bytes),
        }
        self.check_size();
    }

    fn close_value(&mut self, field: SseField) {
        if self.oversized {
            return;
        }
        match field {
            SseField::Data => {}
            SseField::Event => {
                mem::swap(&mut self.event_type, &mut self.value);
                self.value.clear();
            }
            SseField::Id => {
                self.set_last_id();
                // Freed, not cleared: an id line may have been large, and ids are rare.
                self.value = Vec::new();
                // The id in force is part of every event that carries it.
                self.check_size();
            }
        }
    }

    fn set_last_id(&mut self) {
        // The standard ignores ids containing NUL.
        if self.value.contains(&0) {
            return;
        }
        match std::str::from_utf8(&self.value) {
            Ok("") => self.last_id = None,
            Ok(id) => self.last_id = Some(Arc::from(id)),
            Err(error) => {
                self.invalid.get_or_insert(SseError::InvalidUtf8 {
                    field: SseField::Id,
                    valid_up_to: error.valid_up_to(),
                });
            }
        }
    }

    fn check_size(&mut self) {
        let id = self.last_id.as_deref().map_or(0, str::len);
        let stored = self.data.len() + self.event_type.len() + self.value.len() + id;
        if stored <= self.max_event_bytes {
            return;
        }
        // Report now rather than at the blank line, which may never come; free the memory.
        self.oversized = true;
        self.data = Vec::new();
        self.value = Vec::new();
        self.event_type = Vec::new();
        self.has_data = false;
        self.line = LineState::Skip;
        self.ready.push_back(Err(SseError::EventTooLarge {
            limit: self.max_event_bytes,
        }));
    }

    fn skip_line<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let Some(end) = memchr2(b'\r', b'\n', input) else {
            return &[];
        };
        let Some((&line_end, rest)) = input.get(end..).unwrap_or_default().split_first() else {
            return &[];
        };
        self.end_line(line_end);
        rest
    }

    fn end_line(&mut self, line_end: u8) {
        self.line = LineState::Start;
        self.after_cr = line_end == b'\r';
    }

    /// A blank line: the pending event is complete.
    fn dispatch(&mut self) {
        let oversized = mem::take(&mut self.oversized);
        let invalid = self.invalid.take();
        let has_data = mem::take(&mut self.has_data);
        self.event_open = false;
        let data = mem::take(&mut self.data);
        let event_type = if self.event_type.is_empty() {
            None
        } else {
            Some(mem::take(&mut self.event_type))
        };
        if oversized {
            return;
        }
        if let Some(error) = invalid {
            self.ready.push_back(Err(error));
            return;
        }
        if has_data {
            let item = self.build_item(data, event_type);
            self.ready.push_back(item);
        }
    }

    fn build_item(
        &mut self,
        data: Vec<u8>,
        event_type: Option<Vec<u8>>,
    ) -> Result<SseItem, SseError> {
        if data.trim_ascii() == DONE_SENTINEL {
            self.done = true;
            return Ok(SseItem::Done);
        }
        let event = event_type
            .map(|bytes| utf8(bytes, SseField::Event))
            .transpose()?;
        let data = utf8(data, SseField::Data)?;
        Ok(SseItem::Event(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        }))
    }

    /// The bytes this decoder holds: its buffers and the items it has decoded ahead.
    #[cfg(test)]
    fn held_bytes(&self) -> usize {
        let item = |item: &Result<SseItem, SseError>| match item {
            Ok(SseItem::Event(e)) => {
                e.data.capacity() + e.event.as_ref().map_or(0, String::capacity)
            }
            _ => 0,
        };
        self.data.capacity()
            + self.event_type.capacity()
            + self.value.capacity()
            + self.last_id.as_deref().map_or(0, str::len)
            + self.ready.iter().map(item).sum::<usize>()
    }
}

fn utf8(bytes: Vec<u8>, field: SseField) -> Result<String, SseError> {
    String::from_utf8(bytes).map_err(|error| SseError::InvalidUtf8 {
        field,
        valid_up_to: error.utf8_error().valid_up_to(),
    })
}

/// The items of a [`SseDecoder::feed`], oldest first, decoded as they are taken. Dropping it
/// early loses nothing: the rest of the chunk is decoded and its items stay queued in the
/// decoder.
#[derive(Debug)]
pub struct SseItems<'a> {
    decoder: &'a mut SseDecoder,
    input: &'a [u8],
}

impl Iterator for SseItems<'_> {
    type Item = Result<SseItem, SseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.decoder.next_from(&mut self.input)
    }
}

impl FusedIterator for SseItems<'_> {}

impl Drop for SseItems<'_> {
    fn drop(&mut self) {
        let rest = self.decoder.skip_bom(self.input);
        self.decoder.consume(rest);
    }
}

#[cfg(test)]
mod tests {
    mod proptests;

    use super::*;

    fn event(data: &str) -> Result<SseItem, SseError> {
        Ok(SseItem::Event(SseEvent {
            data: data.to_owned(),
            ..SseEvent::default()
        }))
    }

    fn named(name: &str, data: &str) -> Result<SseItem, SseError> {
        Ok(SseItem::Event(SseEvent {
            event: Some(name.to_owned()),
            data: data.to_owned(),
            id: None,
        }))
    }

    fn with_id(id: &str, data: &str) -> Result<SseItem, SseError> {
        Ok(SseItem::Event(SseEvent {
            event: None,
            data: data.to_owned(),
            id: Some(Arc::from(id)),
        }))
    }

    fn decode_chunks(decoder: &mut SseDecoder, chunks: &[&[u8]]) -> Vec<Result<SseItem, SseError>> {
        chunks
            .iter()
            .flat_map(|chunk| decoder.feed(chunk).collect::<Vec<_>>())
            .collect()
    }

    fn decode(chunks: &[&[u8]]) -> Vec<Result<SseItem, SseError>> {
        decode_chunks(&mut SseDecoder::new(), chunks)
    }

    #[test]
    fn lf_ends_lines() {
        assert_eq!(
            decode(&[b"data: a\n\ndata: b\n\n"]),
            [event("a"), event("b")]
        );
    }

    #[test]
    fn cr_ends_lines() {
        assert_eq!(
            decode(&[b"data: a\r\rdata: b\r\r"]),
            [event("a"), event("b")]
        );
    }

    #[test]
    fn crlf_ends_lines() {
        assert_eq!(
            decode(&[b"data: a\r\n\r\ndata: b\r\n\r\n"]),
            [event("a"), event("b")]
        );
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_ending() {
        // Were the LF a second line ending, it would be a blank line dispatching "a" alone.
        assert_eq!(
            decode(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]),
            [event("a\nb")]
        );
    }

    #[test]
    fn mixed_line_endings_in_one_stream() {
        assert_eq!(
            decode(&[b"data: a\rdata: b\ndata: c\r\n\n"]),
            [event("a\nb\nc")]
        );
    }

    #[test]
    fn comments_are_ignored_even_inside_an_event() {
        let stream =
            b": ping\n: PING\r\ndata: a\n: keep-alive\ndata: b\n: OPENROUTER PROCESSING\n:\n\n";
        assert_eq!(decode(&[stream]), [event("a\nb")]);
    }

    #[test]
    fn comment_only_stream_dispatches_nothing() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decode_chunks(&mut decoder, &[b": ping\n\n: ping\n\n"]), []);
        assert_eq!(decoder.finish(), Err(SseTruncation::EndedWithoutDone));
    }

    #[test]
    fn one_space_after_the_colon_is_optional_and_only_one_is_dropped() {
        assert_eq!(
            decode(&[b"data:x\n\ndata: x\n\ndata:  x\n\n"]),
            [event("x"), event("x"), event(" x")]
        );
    }

    #[test]
    fn multi_line_data_is_joined_with_lf() {
        assert_eq!(
            decode(&[b"data: {\"a\":\ndata:  1}\ndata:\n\n"]),
            [event("{\"a\":\n 1}\n")]
        );
    }

    #[test]
    fn empty_data_line_dispatches_an_empty_event() {
        assert_eq!(decode(&[b"data:\n\ndata\n\n"]), [event(""), event("")]);
    }

    #[test]
    fn event_names_apply_to_their_event_only() {
        assert_eq!(
            decode(&[b"event: delta\ndata: a\n\ndata: b\n\nevent:\ndata: c\n\n"]),
            [named("delta", "a"), event("b"), event("c")]
        );
    }

    #[test]
    fn last_event_name_wins() {
        assert_eq!(
            decode(&[b"event: one\nevent: two\ndata: a\n\n"]),
            [named("two", "a")]
        );
    }

    #[test]
    fn ids_persist_until_reset() {
        assert_eq!(
            decode(&[b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n"]),
            [with_id("7", "a"), with_id("7", "b"), event("c"), event("d")]
        );
    }

    #[test]
    fn retry_and_unknown_fields_are_ignored() {
        let stream =
            b"retry: 3000\nfoo: bar\nDATA: loud\ndata : spaced\ndatax: y\ndata: a\nretry\n\n";
        assert_eq!(decode(&[stream]), [event("a")]);
    }

    #[test]
    fn events_without_data_are_not_dispatched() {
        let mut decoder = SseDecoder::new();
        let stream = b"event: ping\n\nid: 3\n\nretry: 10\n\ndata: a\n\n";
        assert_eq!(decode_chunks(&mut decoder, &[stream]), [with_id("3", "a")]);
    }

    #[test]
    fn utf8_split_inside_a_character_at_every_position() {
        let stream = "event: é\ndata: é€😀\n\n".as_bytes();
        for split in 0..=stream.len() {
            let (head, tail) = stream.split_at(split);
            assert_eq!(
                decode(&[head, tail]),
                [named("é", "é€😀")],
                "split at {split}"
            );
        }
    }

    #[test]
    fn invalid_utf8_data_is_an_error_and_decoding_goes_on() {
        assert_eq!(
            decode(&[b"data: ab\xFFc\n\ndata: ok\n\n"]),
            [
                Err(SseError::InvalidUtf8 {
                    field: SseField::Data,
                    valid_up_to: 2
                }),
                event("ok")
            ]
        );
    }

    #[test]
    fn truncated_utf8_at_the_end_of_data_is_an_error() {
        assert_eq!(
            decode(&[b"data: \xE2\x82\n\n"]),
            [Err(SseError::InvalidUtf8 {
                field: SseField::Data,
                valid_up_to: 0
            })]
        );
    }

    #[test]
    fn invalid_utf8_event_name_is_an_error() {
        assert_eq!(
            decode(&[b"event: \xC0\ndata: a\n\ndata: b\n\n"]),
            [
                Err(SseError::InvalidUtf8 {
                    field: SseField::Event,
                    valid_up_to: 0
                }),
                event("b")
            ]
        );
    }

    #[test]
    fn invalid_utf8_id_is_an_error_and_keeps_the_previous_id() {
        assert_eq!(
            decode(&[b"id: 1\ndata: a\n\nid: \xFF\ndata: b\n\ndata: c\n\n"]),
            [
                with_id("1", "a"),
                Err(SseError::InvalidUtf8 {
                    field: SseField::Id,
                    valid_up_to: 0
                }),
                with_id("1", "c")
            ]
        );
    }

    #[test]
    fn done_is_reported_and_remembered() {
        let mut decoder = SseDecoder::new();
        assert!(!decoder.done_seen());
        let items = decode_chunks(&mut decoder, &[b"data: a\n\ndata: [DONE]\n\n"]);
        assert_eq!(items, [event("a"), Ok(SseItem::Done)]);
        assert!(decoder.done_seen());
        assert_eq!(decoder.finish(), Ok(()));
    }

    #[test]
    fn done_without_space_or_with_padding_is_done() {
        assert_eq!(
            decode(&[b"data:[DONE]\n\ndata: [DONE] \n\n"]),
            [Ok(SseItem::Done), Ok(SseItem::Done)]
        );
    }

    #[test]
    fn text_merely_containing_done_is_data() {
        assert_eq!(
            decode(&[b"data: [DONE]!\n\ndata: [DONE]\ndata: x\n\n"]),
            [event("[DONE]!"), event("[DONE]\nx")]
        );
    }

    #[test]
    fn events_after_done_are_still_decoded() {
        let mut decoder = SseDecoder::new();
        let items = decode_chunks(&mut decoder, &[b"data: [DONE]\n\ndata: late\n\n"]);
        assert_eq!(items, [Ok(SseItem::Done), event("late")]);
        assert!(decoder.done_seen());
    }

    fn finish_after(chunks: &[&[u8]]) -> Result<(), SseTruncation> {
        let mut decoder = SseDecoder::new();
        decode_chunks(&mut decoder, chunks);
        decoder.finish()
    }

    #[test]
    fn finish_tells_how_the_body_ended() {
        use SseTruncation::{EndedMidEvent, EndedWithoutDone};
        assert_eq!(finish_after(&[]), Err(EndedWithoutDone));
        assert_eq!(finish_after(&[b"data: a\n\n"]), Err(EndedWithoutDone));
        assert_eq!(
            finish_after(&[b"data: a\n\n: ping\n"]),
            Err(EndedWithoutDone)
        );
        assert_eq!(finish_after(&[b"data: a\r\n\r"]), Err(EndedWithoutDone));
        assert_eq!(finish_after(&[b"data: a\n\ndata: b"]), Err(EndedMidEvent));
        assert_eq!(finish_after(&[b"data: a\n"]), Err(EndedMidEvent));
        assert_eq!(finish_after(&[b"event: x\n"]), Err(EndedMidEvent));
        assert_eq!(finish_after(&[b"data: a\n\n: pi"]), Err(EndedMidEvent));
        assert_eq!(finish_after(&[b"data: a\n\nda"]), Err(EndedMidEvent));
        assert_eq!(finish_after(&[b"data: [DONE]\n\n"]), Ok(()));
        assert_eq!(finish_after(&[b"data: [DONE]\n\ndata: cut"]), Ok(()));
    }

    #[test]
    fn finish_accepts_an_unterminated_done() {
        for stream in [&b"data: [DONE]"[..], b"data: [DONE]\n", b"data: [DONE]\r"] {
            let mut decoder = SseDecoder::new();
            assert_eq!(decode_chunks(&mut decoder, &[stream]), []);
            assert_eq!(decoder.finish(), Ok(()));
            assert!(decoder.done_seen());
        }
        assert_eq!(
            finish_after(&[b"data: [DONE]\ndata: x\n"]),
            Err(SseTruncation::EndedMidEvent)
        );
        assert_eq!(
            finish_after(&[b"data: [DO"]),
            Err(SseTruncation::EndedMidEvent)
        );
    }

    #[test]
    fn finish_is_repeatable() {
        let mut decoder = SseDecoder::new();
        decode_chunks(&mut decoder, &[b"data: a"]);
        assert_eq!(decoder.finish(), Err(SseTruncation::EndedMidEvent));
        assert_eq!(decoder.finish(), Err(SseTruncation::EndedMidEvent));
    }

    #[test]
    fn event_at_the_limit_passes_and_one_byte_more_fails() {
        let mut decoder = SseDecoder::with_max_event_bytes(5);
        assert_eq!(decoder.max_event_bytes(), 5);
        let items = decode_chunks(
            &mut decoder,
            &[b"data: abcde\n\ndata: abcdef\n\ndata: ok\n\n"],
        );
        assert_eq!(
            items,
            [
                event("abcde"),
                Err(SseError::EventTooLarge { limit: 5 }),
                event("ok")
            ]
        );
    }

    #[test]
    fn limit_counts_joins_event_name_and_id_line() {
        let mut decoder = SseDecoder::with_max_event_bytes(4);
        let stream =
            b"data: ab\ndata: cd\n\nevent: ab\ndata: abc\n\nid: abcde\ndata: a\n\ndata: x\n\n";
        assert_eq!(
            decode_chunks(&mut decoder, &[stream]),
            [
                Err(SseError::EventTooLarge { limit: 4 }),
                Err(SseError::EventTooLarge { limit: 4 }),
                Err(SseError::EventTooLarge { limit: 4 }),
                event("x")
            ]
        );
    }

    #[test]
    fn oversized_event_is_reported_before_it_ends_and_skipped_to_its_end() {
        let mut decoder = SseDecoder::with_max_event_bytes(1024);
        let mut items = decode_chunks(&mut decoder, &[b"event: big\ndata: "]);
        let block = [b'x'; 512];
        for _ in 0..3 {
            items.extend(decoder.feed(&block));
        }
        assert_eq!(items, [Err(SseError::EventTooLarge { limit: 1024 })]);
        let rest = decode_chunks(&mut decoder, &[b"xxx\ndata: more\n\ndata: next\n\n"]);
        assert_eq!(rest, [event("next")]);
    }

    #[test]
    fn oversized_event_cut_by_the_body_end_is_mid_event() {
        let mut decoder = SseDecoder::with_max_event_bytes(2);
        decode_chunks(&mut decoder, &[b"data: abc\n"]);
        assert_eq!(decoder.finish(), Err(SseTruncation::EndedMidEvent));
    }

    #[test]
    fn the_id_in_force_counts_against_the_limit_of_every_event() {
        let mut decoder = SseDecoder::with_max_event_bytes(8);
        let stream = b"id: 12345\ndata: abc\n\ndata: abcd\n\nid\ndata: abcdefgh\n\n";
        assert_eq!(
            decode_chunks(&mut decoder, &[stream]),
            [
                with_id("12345", "abc"),
                Err(SseError::EventTooLarge { limit: 8 }),
                event("abcdefgh")
            ]
        );
    }

    #[test]
    fn a_large_id_is_shared_by_the_events_not_copied_and_items_are_decoded_one_ahead() {
        let limit = 1 << 20;
        let mut stream = format!("id: {}\n", "i".repeat(limit / 2)).into_bytes();
        stream.extend(b"data:\n\n".repeat(10_000));
        let mut decoder = SseDecoder::with_max_event_bytes(limit);
        let mut items = decoder.feed(&stream);
        let Some(Ok(SseItem::Event(first))) = items.next() else {
            panic!("the first event");
        };
        let mut count = 1;
        for item in items.by_ref() {
            let Ok(SseItem::Event(event)) = item else {
                panic!("{item:?}");
            };
            let (Some(a), Some(b)) = (&first.id, &event.id) else {
                panic!("the id persists");
            };
            assert!(Arc::ptr_eq(a, b), "the id is shared");
            count += 1;
        }
        drop(items);
        assert_eq!(count, 10_000);
        // One id and empty buffers: what 10,000 events hold is what one holds.
        assert!(decoder.held_bytes() <= limit, "{}", decoder.held_bytes());
    }

    #[test]
    fn a_chunk_is_decoded_as_its_items_are_taken() {
        let mut decoder = SseDecoder::new();
        let stream = b"data: a\n\n".repeat(1000);
        let mut items = decoder.feed(&stream);
        assert_eq!(items.next(), Some(event("a")));
        drop(items);
        // Dropped early, the rest of the chunk is still decoded and queued.
        assert_eq!(decoder.ready.len(), 999);
        let mut input = &stream[..];
        let mut fresh = SseDecoder::new();
        assert_eq!(fresh.next_from(&mut input), Some(event("a")));
        assert_eq!(fresh.ready.len(), 0, "nothing decoded ahead");
        assert_eq!(input.len(), stream.len() - 9);
    }

    #[test]
    fn comments_and_unknown_fields_do_not_count_against_the_limit() {
        let mut decoder = SseDecoder::with_max_event_bytes(8);
        let mut stream = b": ".to_vec();
        stream.extend([b'c'; 100]);
        stream.push(b'\n');
        stream.extend([b'u'; 100]);
        stream.extend(b": value\ndata: a\n\n");
        assert_eq!(decode_chunks(&mut decoder, &[&stream]), [event("a")]);
    }

    #[test]
    fn bom_at_stream_start_is_ignored() {
        assert_eq!(decode(&[b"\xEF\xBB\xBFdata: a\n\n"]), [event("a")]);
    }

    #[test]
    fn bom_split_across_chunks_is_ignored() {
        assert_eq!(
            decode(&[b"\xEF", b"", b"\xBB", b"\xBFdata: a\n\n"]),
            [event("a")]
        );
    }

    #[test]
    fn bom_is_ignored_only_at_stream_start() {
        // A later BOM is part of the field name, which is then unknown.
        assert_eq!(
            decode(&[b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n"]),
            [event("a")]
        );
    }

    #[test]
    fn bytes_held_back_as_a_possible_bom_are_decoded_as_input() {
        // "\xEF\xBB\n" is a line (an unknown field), not a blank line, so an event is open.
        assert_eq!(
            finish_after(&[b"\xEF", b"\xBB", b"\n"]),
            Err(SseTruncation::EndedMidEvent)
        );
        assert_eq!(finish_after(&[b"\xEF"]), Err(SseTruncation::EndedMidEvent));
        assert_eq!(decode(&[b"\xEF", b"\n\ndata: a\n\n"]), [event("a")]);
    }

    #[test]
    fn typical_stream_gives_the_same_events_for_every_split() {
        let stream = concat!(
            ": OPENROUTER PROCESSING\r\n\r\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Bonjour ☀\"}}]}\r\n\r\n",
            "event: error\r\ndata: {\"error\":{\"message\":\"x\"}}\r\n\r\n",
            "data: [DONE]\r\n\r\n"
        )
        .as_bytes();
        let whole = decode(&[stream]);
        assert_eq!(whole.len(), 3);
        for first in 0..=stream.len() {
            for second in first..=stream.len() {
                let parts = [&stream[..first], &stream[first..second], &stream[second..]];
                assert_eq!(decode(&parts), whole, "split at {first} and {second}");
            }
        }
    }

    #[test]
    fn one_megabyte_line_in_one_kilobyte_chunks() {
        let payload: Vec<u8> = (0..1 << 20).map(|i| b'A' + (i % 26) as u8).collect();
        let mut stream = b"data: ".to_vec();
        stream.extend(&payload);
        stream.extend(b"\n\n");
        let mut decoder = SseDecoder::new();
        let items: Vec<_> = stream
            .chunks(1024)
            .flat_map(|chunk| decoder.feed(chunk).collect::<Vec<_>>())
            .collect();
        let expected = String::from_utf8(payload).unwrap_or_default();
        assert_eq!(items, [event(&expected)]);
    }

    #[test]
    fn items_not_taken_from_feed_stay_queued() {
        let mut decoder = SseDecoder::new();
        let first = decoder.feed(b"data: a\n\ndata: b\n\n").next();
        assert_eq!(first, Some(event("a")));
        let items = decoder.feed(b"data: c\n\n");
        assert_eq!(items.collect::<Vec<_>>(), [event("b"), event("c")]);
        assert_eq!(decoder.next_item(), None);
    }

    #[test]
    fn errors_describe_themselves() {
        let invalid = SseError::InvalidUtf8 {
            field: SseField::Id,
            valid_up_to: 3,
        };
        assert_eq!(
            invalid.to_string(),
            "SSE event dropped: its `id` field is not valid UTF-8 (invalid byte after 3 valid bytes)"
        );
        assert!(
            SseError::EventTooLarge { limit: 9 }
                .to_string()
                .contains("limit of 9 bytes")
        );
        assert!(
            SseTruncation::EndedWithoutDone
                .to_string()
                .contains("[DONE]")
        );
        assert!(SseTruncation::EndedMidEvent.to_string().contains("middle"));
    }
}
