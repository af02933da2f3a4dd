//! A progress line on standard error, drawn only when it is a terminal.
//!
//! Written by hand rather than with indicatif: one line redrawn in place needs a carriage
//! return and an erase-line code, while indicatif would bring its terminal crates and a
//! drawing thread into every user's build for it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::summary::Summary;

/// The least time between two redraws: a fast run must not spend its time drawing.
const REDRAW_EVERY: Duration = Duration::from_millis(150);

/// Characters in the bar (the line stays within 80 columns).
const BAR_WIDTH: usize = 20;

/// Draws a run's progress; does nothing when off or when standard error is not a terminal.
#[derive(Debug)]
pub(super) struct Progress {
    on: bool,
    total: Option<u64>,
    last_drawn: Option<Instant>,
}

impl Progress {
    pub(super) fn new(wanted: bool, total: Option<u64>) -> Self {
        Self {
            on: wanted && std::io::stderr().is_terminal(),
            total,
            last_drawn: None,
        }
    }

    /// Redraw, unless the last redraw was too recent.
    pub(super) fn update(&mut self, summary: &Summary) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        if self
            .last_drawn
            .is_some_and(|at| now.duration_since(at) < REDRAW_EVERY)
        {
            return;
        }
        self.last_drawn = Some(now);
        draw(&format!("\r\x1b[2K{}", line(summary, self.total)));
    }

    /// Replace the line with the summary.
    pub(super) fn finish(&mut self, summary: &Summary) {
        if self.on {
            draw(&format!("\r\x1b[2K{summary}\n"));
        }
    }
}

fn draw(text: &str) {
    // Progress is a courtesy: a closed or full standard error must not fail the run.
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// The progress line: bar and count (or the count alone when the total is unknown), failures,
/// rate, time left and tokens.
pub(super) fn line(summary: &Summary, total: Option<u64>) -> String {
    let finished = summary.finished();
    let rate = summary.rate();
    let mut out = match total {
        Some(total) if total > 0 => {
            let shown = finished.min(total);
            let filled = (shown as usize * BAR_WIDTH) / total as usize;
            format!(
                "[{}{}] {shown}/{total}",
                "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled)
            )
        }
        _ => format!("{finished} done"),
    };
    out.push_str(&format!(" · {} failed · {rate:.1}/s", summary.failed));
    if let Some(total) = total
        && rate > 0.0
    {
        let left = total.saturating_sub(finished) as f64 / rate;
        out.push_str(&format!(" · ETA {}", clock(left)));
    }
    out.push_str(&format!(
        " · {} tokens",
        compact(summary.usage.total_tokens)
    ));
    out
}

/// `h:mm:ss` or `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.round().min(u32::MAX as f64) as u64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// 950, 12.3k, 4.5M.
fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_bar_failures_rate_eta_and_tokens() {
        let mut summary = Summary::default();
        summary.succeeded = 45;
        summary.failed = 5;
        summary.elapsed = Duration::from_secs(10);
        summary.usage = crate::response::Usage::new(12_000, 300);
        assert_eq!(
            line(&summary, Some(200)),
            "[#####---------------] 50/200 · 5 failed · 5.0/s · ETA 0:30 · 12.3k tokens"
        );
        assert_eq!(
            line(&summary, None),
            "50 done · 5 failed · 5.0/s · 12.3k tokens"
        );
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(compact(4_500_000), "4.5M");
    }
}
