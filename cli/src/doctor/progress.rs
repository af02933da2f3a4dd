//! The progress line on stderr: rewritten in place on a terminal, one line per probe elsewhere.

use std::io::{IsTerminal, Write};

#[derive(Debug)]
pub struct Progress {
    terminal: bool,
    total: usize,
    done: usize,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            total,
            done: 0,
        }
    }

    /// Say that `feature` of `model` is being probed.
    pub fn step(&mut self, model: &str, feature: &str) {
        self.done += 1;
        let line = format!("[{}/{}] {model}: {feature}", self.done, self.total);
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not stop the probes.
        let _ = if self.terminal {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// Clear the line once the probes are done.
    pub fn finish(&self) {
        if self.terminal {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
