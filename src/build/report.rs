//! What a build did, and the one line that tells a person so (`build`, each `watch` rebuild and
//! each `serve` publish print it).

use std::fmt;

/// What a build did.
#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub chats: usize,
    /// Published messages in the chats built.
    pub messages: usize,
    /// Messages read and rendered in this build (the rest were unchanged).
    pub messages_rendered: usize,
    /// Outputs rendered in this build.
    pub rendered: usize,
    /// Site-relative paths rewritten (rendered with new bytes).
    pub written: Vec<String>,
    /// Outputs left as they were.
    pub unchanged: usize,
    pub removed: Vec<String>,
    pub bytes_written: u64,
    pub seconds: f64,
    /// What the build left out and why, said once per build (printed after the summary).
    pub notes: Vec<&'static str>,
}

impl BuildReport {
    /// Adds the outputs of a part of the build (one chat) to this report.
    pub(super) fn absorb(&mut self, part: BuildReport) {
        self.chats += part.chats;
        self.messages += part.messages;
        self.messages_rendered += part.messages_rendered;
        self.rendered += part.rendered;
        self.written.extend(part.written);
        self.unchanged += part.unchanged;
        self.removed.extend(part.removed);
        self.bytes_written += part.bytes_written;
        self.notes.extend(part.notes);
    }

    /// Whether the build changed anything in `site/`.
    pub fn changed_site(&self) -> bool {
        !self.written.is_empty() || !self.removed.is_empty()
    }

    /// "1 rendered, 1 written, 0 removed in 12 ms": what a rebuild did, for a line that already
    /// says what changed.
    pub fn short(&self) -> impl fmt::Display + '_ {
        Short(self)
    }
}

/// "Built 3 chats (1200 messages) in 1.21 s: 40 rendered, 2 files written, 38 unchanged, 0
/// removed", then each note on a line of its own.
impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Built {} chat{} ({} messages) in {}: {} rendered, {} files written, {} unchanged, {} removed",
            self.chats,
            if self.chats == 1 { "" } else { "s" },
            self.messages,
            crate::human::seconds(self.seconds),
            self.rendered,
            self.written.len(),
            self.unchanged,
            self.removed.len(),
        )?;
        for note in &self.notes {
            write!(f, "\n{note}")?;
        }
        Ok(())
    }
}

struct Short<'a>(&'a BuildReport);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(
            f,
            "{} rendered, {} written, {} removed in {}",
            r.rendered,
            r.written.len(),
            r.removed.len(),
            crate::human::seconds(r.seconds)
        )
    }
}
