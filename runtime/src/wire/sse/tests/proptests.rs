//! Property tests: chunking never changes what the decoder sees, and no input makes it panic.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use std::sync::Arc;

use super::super::{SseDecoder, SseError, SseEvent, SseItem, SseTruncation};

type Items = Vec<Result<SseItem, SseError>>;

/// One event to serialize, with the incidental choices of how to write it.
#[derive(Debug, Clone)]
struct EventSpec {
    name: Option<String>,
    /// May contain `\n`: one `data:` line per piece.
    data: String,
    id: Option<String>,
    /// Lines to slip in among the field lines: (position, which noise line).
    noise: Vec<(Index, &'static str)>,
    extra_blank_line: bool,
}

/// Lines the decoder must skip without effect on the event around them.
const NOISE: &[&str] = &[
    ": ping",
    ": PING",
    ": keep-alive",
    ": OPENROUTER PROCESSING",
    ":",
    "retry: 3000",
    "x-unknown: field",
];

#[derive(Debug, Clone, Copy)]
enum LineEnd {
    Lf,
    Cr,
    CrLf,
}

/// Serializes events the way a server could, drawing line endings and colon spacing from
/// `styles` in turn.
struct Writer<'a> {
    out: Vec<u8>,
    styles: &'a [(LineEnd, bool)],
    next_style: usize,
    last_end_was_cr: bool,
}

impl Writer<'_> {
    fn style(&mut self) -> (LineEnd, bool) {
        let style = self
            .styles
            .get(self.next_style % self.styles.len().max(1))
            .copied()
            .unwrap_or((LineEnd::Lf, true));
        self.next_style += 1;
        style
    }

    fn line(&mut self, content: &str) {
        let (end, _) = self.style();
        self.out.extend(content.as_bytes());
        // After a CR, an empty line ended by LF would read as the second half of a CRLF.
        let end = match end {
            LineEnd::Lf if content.is_empty() && self.last_end_was_cr => LineEnd::CrLf,
            end => end,
        };
        self.out.extend(match end {
            LineEnd::Lf => &b"\n"[..],
            LineEnd::Cr => b"\r",
            LineEnd::CrLf => b"\r\n",
        });
        self.last_end_was_cr = matches!(end, LineEnd::Cr);
    }

    fn field(&mut self, name: &str, value: &str) {
        let (_, space) = self.style();
        // Without the space, a value starting with one would lose it.
        let space = if space || value.starts_with(' ') {
            " "
        } else {
            ""
        };
        self.line(&format!("{name}:{space}{value}"));
    }

    fn event(&mut self, spec: &EventSpec) {
        let mut lines: Vec<(&str, &str)> = Vec::new();
        if let Some(name) = &spec.name {
            lines.push(("event", name));
        }
        if let Some(id) = &spec.id {
            lines.push(("id", id));
        }
        lines.extend(spec.data.split('\n').map(|piece| ("data", piece)));
        let mut noise: Vec<(usize, &str)> = spec
            .noise
            .iter()
            .map(|(at, line)| (at.index(lines.len() + 1), *line))
            .collect();
        noise.sort_by_key(|(at, _)| *at);
        let mut noise = noise.into_iter().peekable();
        for (position, (name, value)) in lines.iter().enumerate() {
            while let Some((_, line)) = noise.next_if(|(at, _)| *at == position) {
                self.line(line);
            }
            self.field(name, value);
        }
        for (_, line) in noise {
            self.line(line);
        }
        self.line("");
        if spec.extra_blank_line {
            self.line("");
        }
    }
}

fn text(max_len: usize, banned: &'static [char]) -> impl Strategy<Value = String> {
    let character = prop_oneof![
        3 => any::<char>(),
        2 => select(vec!['a', ' ', ':', 'é', '€', '😀', '\u{FEFF}', '\n', '\r', '\0']),
    ];
    vec(character, 0..max_len)
        .prop_map(move |chars| chars.into_iter().filter(|c| !banned.contains(c)).collect())
}

fn non_empty(max_len: usize, banned: &'static [char]) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text(max_len, banned)).prop_map(|s| s.filter(|s| !s.is_empty()))
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (
        non_empty(12, &['\r', '\n']),
        text(40, &['\r']),
        non_empty(8, &['\r', '\n', '\0']),
        vec((any::<Index>(), select(NOISE)), 0..3),
        any::<bool>(),
    )
        .prop_map(|(name, data, id, noise, extra_blank_line)| {
            // The sentinel is tested on its own; keep ordinary events ordinary.
            let data = if data.trim_ascii() == "[DONE]" {
                data + "!"
            } else {
                data
            };
            EventSpec {
                name,
                data,
                id,
                noise,
                extra_blank_line,
            }
        })
}

fn line_style() -> impl Strategy<Value = (LineEnd, bool)> {
    (
        select(vec![LineEnd::Lf, LineEnd::Cr, LineEnd::CrLf]),
        any::<bool>(),
    )
}

/// What the decoder should yield for `specs`: ids persist from event to event.
fn expected_items(specs: &[EventSpec], done: bool) -> Items {
    let mut last_id = None;
    let mut items: Items = specs
        .iter()
        .map(|spec| {
            if spec.id.is_some() {
                last_id.clone_from(&spec.id);
            }
            Ok(SseItem::Event(SseEvent {
                event: spec.name.clone(),
                data: spec.data.clone(),
                id: last_id.as_deref().map(Arc::from),
            }))
        })
        .collect();
    if done {
        items.push(Ok(SseItem::Done));
    }
    items
}

fn split_points(len: usize, cuts: &[Index]) -> Vec<usize> {
    let mut points: Vec<usize> = cuts.iter().map(|cut| cut.index(len + 1)).collect();
    points.sort_unstable();
    points.dedup();
    points
}

fn decode_split(
    bytes: &[u8],
    cuts: &[usize],
    max_event_bytes: usize,
) -> (Items, Result<(), SseTruncation>) {
    let mut decoder = SseDecoder::with_max_event_bytes(max_event_bytes);
    let mut items = Items::new();
    let mut start = 0;
    for &cut in cuts.iter().chain([&bytes.len()]) {
        items.extend(decoder.feed(bytes.get(start..cut).unwrap_or_default()));
        start = cut;
    }
    let end = decoder.finish();
    (items, end)
}

/// Pieces of SSE syntax and broken UTF-8, so random streams hit the interesting states.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => select(vec![
            &b"data"[..], b"data:", b"data: ", b"event:", b"id:", b"retry:", b":", b": ping",
            b" ", b"\r", b"\n", b"\r\n", b"[DONE]", b"\xEF\xBB\xBF", b"\xEF", b"\xC3", b"\xA9",
            b"\xFF", b"\0", b"x",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => vec(any::<u8>(), 0..8),
    ];
    vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn serialized_events_decode_the_same_under_any_chunking(
        specs in vec(event_spec(), 0..8),
        styles in vec(line_style(), 1..6),
        bom in any::<bool>(),
        done in any::<bool>(),
        cuts in vec(any::<Index>(), 0..24),
    ) {
        let mut writer = Writer { out: Vec::new(), styles: &styles, next_style: 0, last_end_was_cr: false };
        if bom {
            writer.out.extend(b"\xEF\xBB\xBF");
        }
        for spec in &specs {
            writer.event(spec);
        }
        if done {
            writer.field("data", "[DONE]");
            writer.line("");
        }
        let bytes = writer.out;
        let expected_end = if done { Ok(()) } else { Err(SseTruncation::EndedWithoutDone) };

        let whole = decode_split(&bytes, &[], usize::MAX);
        prop_assert_eq!(&whole, &(expected_items(&specs, done), expected_end));

        let chunked = decode_split(&bytes, &split_points(bytes.len(), &cuts), usize::MAX);
        prop_assert_eq!(&chunked, &whole);

        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        prop_assert_eq!(&decode_split(&bytes, &every_byte, usize::MAX), &whole);
    }

    #[test]
    fn any_bytes_decode_the_same_under_any_chunking_without_panic(
        bytes in stream_bytes(),
        cuts in vec(any::<Index>(), 0..24),
        max_event_bytes in prop_oneof![Just(usize::MAX), 0..16usize],
    ) {
        let whole = decode_split(&bytes, &[], max_event_bytes);
        let chunked = decode_split(&bytes, &split_points(bytes.len(), &cuts), max_event_bytes);
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in vec(any::<u8>(), 0..512),
        cuts in vec(any::<Index>(), 0..8),
    ) {
        let (items, _) = decode_split(&bytes, &split_points(bytes.len(), &cuts), 64);
        // Every error names a real limit or field; nothing else can come out of random bytes.
        for item in items {
            if let Err(SseError::EventTooLarge { limit }) = item {
                prop_assert_eq!(limit, 64);
            }
        }
    }

    /// Memory is bounded by the event-size limit, whatever the server sends: ids, names and
    /// data of any size, any number of events in one chunk. (Each buffer keeps at most twice
    /// the limit of capacity, five of them counting the one event decoded ahead.)
    #[test]
    fn memory_is_bounded_by_the_limit_whatever_the_stream(
        lines in vec((0..4usize, 0..8192usize), 1..200),
        events_after in 0..2000usize,
        limit in 16..4096usize,
    ) {
        let mut stream = Vec::new();
        for (field, size) in lines {
            let name: &[u8] = [&b"id"[..], b"data", b"event", b""][field];
            stream.extend(name);
            stream.extend(b": ");
            stream.extend(std::iter::repeat_n(b'v', size));
            stream.push(b'\n');
        }
        stream.extend(b"data:\n\n".repeat(events_after));
        let mut decoder = SseDecoder::with_max_event_bytes(limit);
        let bound = 10 * limit;
        for chunk in stream.chunks(64 * 1024) {
            let mut input = chunk;
            prop_assert!(decoder.held_bytes() <= bound, "{} > {bound}", decoder.held_bytes());
            while decoder.next_from(&mut input).is_some() {
                prop_assert!(decoder.ready.is_empty(), "nothing is decoded ahead of what is taken");
                prop_assert!(decoder.held_bytes() <= bound, "{} > {bound}", decoder.held_bytes());
            }
        }
    }
}
