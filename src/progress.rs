//! Progress for long imports and builds: a bar on a terminal, a few plain lines otherwise (logs
//! and CI keep readable output), nothing when quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, plain lines otherwise.
    Auto,
    Quiet,
}

/// Progress of one phase.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: AtomicU64,
    /// Plain lines say "40%" rather than "400/1000".
    percent: bool,
    plain: bool,
}

impl Progress {
    /// A bar counting steps ("1200/4000, 310/s, 9s left").
    pub fn new(mode: ProgressMode, label: &str, total: u64) -> Progress {
        Progress::with_template(
            mode,
            label,
            total,
            "{msg:>10} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)",
            false,
        )
    }

    /// A bar for a phase measured in units that mean nothing to a reader (seconds of a chat's
    /// history read): a percentage and an ETA only.
    pub fn fraction(mode: ProgressMode, label: &str, total: u64) -> Progress {
        Progress::with_template(
            mode,
            label,
            total,
            "{msg:>10} [{bar:30}] {percent}% ({eta} left)",
            true,
        )
    }

    fn with_template(
        mode: ProgressMode,
        label: &str,
        total: u64,
        template: &str,
        percent: bool,
    ) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (mode == ProgressMode::Auto && terminal && total > 0).then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label.to_owned());
            bar
        });
        Progress {
            bar,
            label: label.to_owned(),
            total,
            done: AtomicU64::new(0),
            percent,
            // Plain lines only for phases long enough to be worth reporting.
            plain: mode == ProgressMode::Auto && !terminal && total >= 1000,
        }
    }

    #[allow(clippy::print_stderr)]
    pub fn inc(&self, n: u64) {
        let before = self.done.fetch_add(n, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(n);
            return;
        }
        if self.plain && self.total > 0 {
            let step = |d: u64| d * 4 / self.total;
            if step(before) != step(before + n) && before + n < self.total {
                // Without a terminal, indicatif draws nothing: a line per quarter instead.
                let done = before + n;
                if self.percent {
                    eprintln!("{}: {}%", self.label, done * 100 / self.total);
                } else {
                    eprintln!("{}: {}/{}", self.label, done, self.total);
                }
            }
        }
    }

    /// Moves the bar to `position` (for phases measured by where they are, not by steps).
    pub fn set(&self, position: u64) {
        let before = self.done.load(Ordering::Relaxed);
        if position > before {
            self.inc(position - before);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
