//! The journal of a bulk run: an append-only file of JSON lines, one per finished item,
//! written before the item's result is handed out, so that a run killed at any point and
//! started again with the same file skips what is done and sends nothing twice.
//!
//! Each line goes to the operating system in one `write` as soon as its item finishes: a
//! killed process loses nothing it has handed out. (A machine that loses power may lose the
//! last lines the kernel had not yet written to disk; those items are sent again.) A line cut
//! short by a kill is removed when the journal is opened again.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::batch::BatchEntry;
use super::done::DoneSet;
use super::record::{Failure, Head, ItemLine};
use super::shard::Shard;
use crate::error::{Error, Result};
use crate::response::Response;

/// The longest journal line read back; longer is no line this module wrote.
const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;

/// How a journal writes and reads values of `T` (chosen where `T: Serialize + Deserialize`).
pub(super) struct Codec<T> {
    write: fn(&T, &mut Vec<u8>) -> serde_json::Result<()>,
    read: fn(serde_json::Value) -> serde_json::Result<T>,
}

impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Codec<T> {}

impl<T: Serialize + DeserializeOwned> Codec<T> {
    pub(super) fn json() -> Self {
        Self {
            write: |value, out| serde_json::to_writer(out, value),
            read: serde_json::from_value,
        }
    }
}

/// A journal opened for a run: where it is, what it already holds, and the file to append to.
pub(super) struct Journal<T> {
    path: PathBuf,
    file: File,
    codec: Codec<T>,
    /// The line being written, kept to reuse its allocation.
    line: Vec<u8>,
}

impl<T> std::fmt::Debug for Journal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What an opened journal already holds.
#[derive(Debug, Default)]
pub(super) struct Resume {
    /// Inputs finished by earlier runs.
    pub(super) done: DoneSet,
    /// How many complete lines the file holds (the replay reads no further).
    pub(super) lines: u64,
    /// Lines naming an input an earlier line already named (never written by this module;
    /// skipped on replay so that an input comes out once).
    pub(super) repeated: DoneSet,
    /// Batches submitted by earlier runs and not yet handled.
    pub(super) batches: Vec<BatchEntry>,
    /// The inputs of those batches (not submitted again).
    pub(super) in_batches: DoneSet,
}

impl<T> Journal<T> {
    /// Open (or create) the journal at `path` and read what it holds for `shard`.
    pub(super) fn open(path: &Path, codec: Codec<T>, shard: Shard) -> Result<(Self, Resume)> {
        let failed = |reason: String| journal_error(path, reason);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| failed(format!("cannot be opened: {e}")))?;
        let mut resume = Resume::default();
        let mut kept = 0u64;
        {
            let mut reader = BufReader::new(&mut file);
            let mut line = Vec::new();
            loop {
                line.clear();
                let read = (&mut reader)
                    .take(MAX_LINE_BYTES + 1)
                    .read_until(b'\n', &mut line)
                    .map_err(|e| failed(format!("cannot be read: {e}")))?;
                if read == 0 || line.last() != Some(&b'\n') {
                    if line.len() as u64 > MAX_LINE_BYTES {
                        return Err(failed(format!(
                            "has a line longer than {MAX_LINE_BYTES} bytes after line {}: it \
                             is not a journal of promptfn; give the run a new file",
                            resume.lines
                        )));
                    }
                    // The end, or a last line a kill cut short: dropped below.
                    break;
                }
                kept += read as u64;
                let number = resume.lines;
                resume.lines += 1;
                let head: Head = serde_json::from_slice(&line).map_err(|e| {
                    failed(format!(
                        "has a line {} that is not a journal entry ({e}); a journal is written \
                         only by a bulk run: remove that line, or give the run a new file",
                        number + 1
                    ))
                })?;
                if let Some(index) = head.i
                    && shard.takes(index)
                    && !resume.done.insert(index)
                {
                    resume.repeated.insert(number);
                }
                if let Some(batch) = head.batch {
                    resume.batches.push(batch);
                }
                if let Some(id) = head.batch_ended {
                    resume.batches.retain(|batch| batch.id != id);
                }
            }
        }
        for batch in &resume.batches {
            for [start, end] in batch.items.iter().copied() {
                for index in (start..end).filter(|&i| shard.takes(i)) {
                    resume.in_batches.insert(index);
                }
            }
        }
        let length = file
            .seek(SeekFrom::End(0))
            .map_err(|e| failed(format!("cannot be read: {e}")))?;
        if length > kept {
            // A line cut short by a kill: its item was never handed out, so it is not done.
            file.set_len(kept)
                .map_err(|e| failed(format!("cannot drop its cut last line: {e}")))?;
        }
        Ok((
            Self {
                path: path.to_owned(),
                file,
                codec,
                line: Vec::with_capacity(256),
            },
            resume,
        ))
    }

    /// Write the line of a finished item, if its result is one the journal keeps; returns
    /// whether it was written.
    pub(super) fn append(&mut self, index: usize, answer: &Result<Response<T>>) -> Result<bool> {
        self.line.clear();
        match answer {
            Ok(response) => {
                self.line.extend_from_slice(b"{\"i\":");
                self.line.extend_from_slice(index.to_string().as_bytes());
                self.line.extend_from_slice(b",\"ok\":");
                (self.codec.write)(&response.value, &mut self.line)
                    .map_err(|e| self.error(format!("cannot hold item {index}'s value: {e}")))?;
                if let Some(usage) = response.usage {
                    self.line.extend_from_slice(b",\"usage\":");
                    serde_json::to_writer(&mut self.line, &usage)
                        .map_err(|e| self.error(format!("cannot hold item {index}: {e}")))?;
                }
                self.line.extend_from_slice(b",\"requests\":");
                self.line
                    .extend_from_slice(response.requests.to_string().as_bytes());
                self.line.push(b'}');
            }
            Err(error) => {
                let Some(failure) = Failure::of(error) else {
                    return Ok(false);
                };
                self.line.extend_from_slice(b"{\"i\":");
                self.line.extend_from_slice(index.to_string().as_bytes());
                self.line.extend_from_slice(b",\"err\":");
                serde_json::to_writer(&mut self.line, &failure)
                    .map_err(|e| self.error(format!("cannot hold item {index}: {e}")))?;
                self.line.push(b'}');
            }
        }
        self.line.push(b'\n');
        self.write_line()?;
        Ok(true)
    }

    /// Append any other entry (a batch's line).
    pub(super) fn append_entry(&mut self, entry: &impl Serialize) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, entry)
            .map_err(|e| self.error(format!("cannot hold an entry: {e}")))?;
        self.line.push(b'\n');
        self.write_line()
    }

    /// One `write` for the whole line (the file is in append mode), so a line is never
    /// interleaved and a kill leaves at most one cut line.
    fn write_line(&mut self) -> Result<()> {
        self.file
            .write_all(&self.line)
            .and_then(|()| self.file.flush())
            .map_err(|e| {
                journal_error(
                    &self.path,
                    format!("cannot be written ({e}); the run stopped, and a rerun resumes it"),
                )
            })
    }

    fn error(&self, reason: String) -> Error {
        journal_error(&self.path, reason)
    }

    /// The results the journal holds for `shard`, in the order they were written.
    pub(super) fn replay(&self, resume: &Resume, shard: Shard) -> Result<Replay<T>> {
        let file =
            File::open(&self.path).map_err(|e| self.error(format!("cannot be read: {e}")))?;
        Ok(Replay {
            path: self.path.clone(),
            reader: BufReader::new(file),
            codec: self.codec,
            shard,
            lines_left: resume.lines,
            number: 0,
            repeated: resume.repeated.clone(),
            line: Vec::new(),
        })
    }
}

fn journal_error(path: &Path, reason: String) -> Error {
    Error::Journal {
        path: path.display().to_string(),
        reason,
    }
}

/// The journaled results, read back one line at a time.
pub(super) struct Replay<T> {
    path: PathBuf,
    reader: BufReader<File>,
    codec: Codec<T>,
    shard: Shard,
    lines_left: u64,
    number: u64,
    repeated: DoneSet,
    line: Vec<u8>,
}

impl<T: 'static> Iterator for Replay<T> {
    /// A journaled result: its index, and the value or the model's failed answer. An
    /// [`Error::Journal`] if the line cannot be read back (with `usize::MAX` for the index when
    /// the line itself cannot be read).
    type Item = (usize, Result<T>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.lines_left > 0 {
            self.lines_left -= 1;
            let number = self.number;
            self.number += 1;
            self.line.clear();
            if let Err(e) = (&mut self.reader)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.line)
            {
                let error = journal_error(&self.path, format!("cannot be read: {e}"));
                return Some((usize::MAX, Err(error)));
            }
            if self.repeated.contains(number) {
                continue;
            }
            let Ok(head) = serde_json::from_slice::<Head>(&self.line) else {
                continue;
            };
            let Some(index) = head.i.filter(|&i| self.shard.takes(i)) else {
                continue;
            };
            let index = usize::try_from(index).unwrap_or(usize::MAX);
            return Some((index, self.item(number)));
        }
        None
    }
}

impl<T: 'static> Replay<T> {
    fn item(&self, number: u64) -> Result<T> {
        let unreadable = |e: String| {
            journal_error(
                &self.path,
                format!(
                    "has a line {} whose result cannot be read back ({e}); was the journal \
                     written for another prompt function? Give the run a new file",
                    number + 1
                ),
            )
        };
        let line: ItemLine =
            serde_json::from_slice(&self.line).map_err(|e| unreadable(e.to_string()))?;
        match (line.ok, line.err) {
            (Some(value), _) => (self.codec.read)(value).map_err(|e| unreadable(e.to_string())),
            (None, Some(failure)) => Err(failure.into_error(std::any::type_name::<T>())),
            (None, None) => Err(unreadable("it has neither `ok` nor `err`".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeError;

    fn temp(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "promptfn-journal-{name}-{}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        path
    }

    fn answer(value: u32) -> Result<Response<u32>> {
        Ok(Response {
            usage: Some(crate::response::Usage::new(2, 1)),
            ..Response::bare(value)
        })
    }

    #[test]
    fn values_and_model_failures_are_kept_and_read_back_in_order() {
        let path = temp("roundtrip");
        let (mut journal, resume) =
            Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap();
        assert_eq!(resume.lines, 0);
        assert!(journal.append(2, &answer(20)).unwrap());
        let undecodable: Result<Response<u32>> = Err(DecodeError {
            type_name: "u32",
            attempts: vec![crate::error::RejectedAnswer {
                raw: "twenty".into(),
                reason: "not a number".into(),
            }],
        }
        .into());
        assert!(journal.append(0, &undecodable).unwrap());
        let unreachable: Result<Response<u32>> =
            Err(Error::timeout("total", std::time::Duration::from_secs(1)));
        assert!(
            !journal.append(1, &unreachable).unwrap(),
            "no answer: not journaled"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"i":2,"ok":20,"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3},"requests":1}"#
        );

        let (journal, resume) =
            Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap();
        assert!(resume.done.contains(0) && resume.done.contains(2) && !resume.done.contains(1));
        let replayed: Vec<(usize, Result<u32>)> =
            journal.replay(&resume, Shard::default()).unwrap().collect();
        assert_eq!(replayed.len(), 2);
        assert_eq!((replayed[0].0, replayed[0].1.as_ref().unwrap()), (2, &20));
        assert!(matches!(&replayed[1], (0, Err(Error::Decode(e))) if e.raw() == "twenty"));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_line_cut_by_a_kill_is_dropped_and_a_repeated_one_replays_once() {
        let path = temp("cut");
        std::fs::write(
            &path,
            "{\"i\":0,\"ok\":1}\n{\"i\":1,\"ok\":2}\n{\"i\":0,\"ok\":9}\n{\"i\":2,\"ok\"",
        )
        .unwrap();
        let (mut journal, resume) =
            Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap();
        assert_eq!(resume.lines, 3);
        assert!(!resume.done.contains(2), "the cut item is not done");
        journal.append(2, &answer(3)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("{\"i\":0,\"ok\":9}\n{\"i\":2,\"ok\":3,"),
            "{text}"
        );
        let (journal, resume) =
            Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap();
        let replayed: Vec<(usize, u32)> = journal
            .replay(&resume, Shard::default())
            .unwrap()
            .map(|(i, r)| (i, r.unwrap()))
            .collect();
        assert_eq!(replayed, [(0, 1), (1, 2), (2, 3)]);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_file_that_is_no_journal_is_refused_with_the_fix() {
        let path = temp("foreign");
        std::fs::write(&path, "id,review\n1,great\n").unwrap();
        let error = Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains("line 1") && shown.contains("new file"),
            "{shown}"
        );

        // A journal of another type opens, but its values do not read back as this one.
        std::fs::write(&path, "{\"i\":0,\"ok\":\"text\"}\n").unwrap();
        let (journal, resume) =
            Journal::<u32>::open(&path, Codec::json(), Shard::default()).unwrap();
        let (index, result) = journal
            .replay(&resume, Shard::default())
            .unwrap()
            .next()
            .unwrap();
        assert_eq!(index, 0);
        assert!(matches!(result, Err(Error::Journal { .. })));
        let _ = std::fs::remove_file(&path);
    }
}
