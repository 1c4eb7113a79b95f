//! Progress of a run on stderr: an `indicatif` bar with the counts by verdict and an ETA (drawn
//! only when stderr is a terminal), and with `--verbose` one line per finished check. On a pipe
//! nothing is drawn, so stdout carries the report alone and stderr stays quiet.

use crate::report::text::verdict_word;
use crate::report::Summary;
use crate::verdict::CheckResult;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::time::Duration;

/// Live progress of a run.
pub struct Progress {
    total: usize,
    bar: Option<ProgressBar>,
    lines: bool,
    counts: Mutex<Summary>,
}

impl Progress {
    /// Progress over `total` checks: `bar` draws a progress bar on stderr when it is a terminal,
    /// `lines` prints one line per finished check there. Both false: silent.
    pub fn new(total: usize, bar: bool, lines: bool) -> Progress {
        // Drawn only where someone watches: indicatif hides a target that is not a terminal.
        let bar = (bar && !ProgressDrawTarget::stderr().is_hidden()).then(|| {
            let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {pos:>4}/{len} [{bar:30}] {elapsed} elapsed, ETA {eta}  {msg}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            b.set_style(style);
            b.enable_steady_tick(Duration::from_millis(250));
            b
        });
        Progress {
            total,
            bar,
            lines,
            counts: Mutex::new(Summary::default()),
        }
    }

    /// Records a finished check.
    pub fn tick(&self, r: &CheckResult) {
        let (done, message) = {
            let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            c.add(r.verdict);
            (
                c.total(),
                format!(
                    "{} fail, {} non-strict, {} pass, {} skipped, {} error",
                    c.fail, c.non_strict, c.pass, c.skipped, c.error
                ),
            )
        };
        if self.lines {
            let width = self.total.to_string().len();
            let line = format!(
                "[{done:>width$}/{}] {} {} ({} ms)",
                self.total,
                verdict_word(r.verdict),
                r.id,
                r.duration_ms
            );
            match &self.bar {
                Some(b) => b.suspend(|| anstream::eprintln!("{line}")),
                None => anstream::eprintln!("{line}"),
            }
        }
        if let Some(b) = &self.bar {
            b.set_message(message);
            b.inc(1);
        }
    }

    /// Removes the bar, before the report is printed.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
