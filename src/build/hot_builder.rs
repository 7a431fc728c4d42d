//! The long-lived builder of `watch` and `serve`: one policy for rebuilding as changes arrive.
//!
//! Both keep a [`SiteBuilder`] in memory (so a change re-reads only the files it touched), gather
//! what arrives close together into one round ([`gather_round`]), rebuild once per round, and
//! must survive a failed build: the error is reported, the loop goes on, and the next build
//! compares every input (the [`SiteBuilder`] does that by itself). What differs is what they do
//! after a build (reload pages, deploy, count for `/healthz`) and how they say it: that is the
//! caller's hook ([`AfterBuild`]). Nothing here prints; the command line does.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{BuildReport, BuildTarget, Change, Mode, SiteBuilder};
use crate::config::Config;
use crate::progress::ProgressMode;
use crate::project::Project;

/// One rebuild, as the hook sees it.
#[derive(Debug)]
pub struct Rebuild<'a> {
    /// The changes the build was asked for.
    pub changes: &'a [Change],
    pub result: Result<&'a BuildReport, &'a anyhow::Error>,
    /// The build before this one failed: whatever this one wrote, open pages are stale.
    pub after_failure: bool,
}

/// Called after every build, failed or not.
pub type AfterBuild = Box<dyn FnMut(&Rebuild<'_>) + Send>;

/// A [`SiteBuilder`] kept in memory, with the failure state and a hook.
pub struct HotBuilder {
    builder: SiteBuilder,
    failing: bool,
    after_build: Option<AfterBuild>,
}

impl std::fmt::Debug for HotBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotBuilder")
            .field("builder", &self.builder)
            .field("failing", &self.failing)
            .finish_non_exhaustive()
    }
}

impl HotBuilder {
    /// A long-lived builder of `project`'s `site/`.
    pub fn new(project: &Project, progress: ProgressMode) -> HotBuilder {
        HotBuilder::with_target(project, BuildTarget::site(project), progress)
    }

    /// A long-lived builder writing to `target` (the site, or the drafts preview).
    pub fn with_target(
        project: &Project,
        target: BuildTarget,
        progress: ProgressMode,
    ) -> HotBuilder {
        HotBuilder {
            builder: SiteBuilder::with_target(project, target, Mode::LongLived, progress),
            failing: false,
            after_build: None,
        }
    }

    /// Sets what runs after every build.
    pub fn after_build(mut self, hook: AfterBuild) -> HotBuilder {
        self.after_build = Some(hook);
        self
    }

    /// The config of the last build that loaded one.
    pub fn config(&self) -> Option<&Config> {
        self.builder.config()
    }

    /// Whether the last build failed (the next one compares every input).
    pub fn is_failing(&self) -> bool {
        self.failing
    }

    /// Builds what `changes` name (everything, after a failure or the first time) and calls the
    /// hook. Nothing named and nothing to retry: no build. Returns the report of a build that
    /// ran and succeeded.
    pub fn rebuild(&mut self, changes: &[Change]) -> Option<BuildReport> {
        if changes.is_empty() && !self.builder.will_recheck() {
            return None;
        }
        let result = self.builder.build(changes);
        let after_failure = self.failing;
        self.failing = result.is_err();
        if let Some(hook) = self.after_build.as_mut() {
            hook(&Rebuild {
                changes,
                result: result.as_ref(),
                after_failure,
            });
        }
        result.ok()
    }

    /// Retries a failed build (between rounds, when nothing else happens).
    pub fn retry_if_failing(&mut self) -> Option<BuildReport> {
        if self.failing {
            self.rebuild(&[Change::Everything])
        } else {
            None
        }
    }

    /// Keeps what the builder knows for the next cold `build` (on the way out).
    pub fn save_state(&mut self) -> Result<()> {
        self.builder.save_state()
    }
}

/// How long [`gather_round`] waits for more.
#[derive(Debug, Clone, Copy)]
pub struct RoundTiming {
    /// Keep collecting while items arrive within this of each other…
    pub settle: Duration,
    /// …but at most this long from the first.
    pub max: Duration,
}

/// Takes what is queued after the first item, then keeps taking while more arrives within
/// `timing.settle` of the last (for at most `timing.max`), so a burst gives one build. Returns
/// false when the sending side has closed.
pub fn gather_round<T>(items: &Receiver<T>, into: &mut Vec<T>, timing: RoundTiming) -> bool {
    let started = Instant::now();
    loop {
        while let Ok(item) = items.try_recv() {
            into.push(item);
        }
        let left = timing.max.saturating_sub(started.elapsed());
        if left.is_zero() || timing.settle.is_zero() {
            return true;
        }
        match items.recv_timeout(timing.settle.min(left)) {
            Ok(item) => into.push(item),
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_round_takes_what_is_queued_and_stops_when_quiet() {
        let (tx, rx) = mpsc::channel();
        for n in 0..5 {
            tx.send(n).unwrap();
        }
        let mut round = Vec::new();
        let open = gather_round(
            &rx,
            &mut round,
            RoundTiming {
                settle: Duration::from_millis(1),
                max: Duration::from_secs(10),
            },
        );
        assert!(open);
        assert_eq!(round, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_round_says_when_the_sender_is_gone() {
        let (tx, rx) = mpsc::channel();
        tx.send(1).unwrap();
        drop(tx);
        let mut round = Vec::new();
        let open = gather_round(
            &rx,
            &mut round,
            RoundTiming {
                settle: Duration::from_secs(10),
                max: Duration::from_secs(10),
            },
        );
        assert!(!open);
        assert_eq!(round, vec![1]);
    }

    #[test]
    fn a_round_without_settling_only_drains_the_queue() {
        let (tx, rx) = mpsc::channel();
        tx.send(1).unwrap();
        let mut round = Vec::new();
        let timing = RoundTiming {
            settle: Duration::ZERO,
            max: Duration::from_secs(10),
        };
        assert!(gather_round(&rx, &mut round, timing));
        assert_eq!(round, vec![1]);
        drop(tx);
    }
}
