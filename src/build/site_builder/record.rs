//! The bookkeeping of one build's outputs: each is either kept as the last build left it or
//! rendered (and written only when its bytes changed), and either way recorded with its
//! signature and file stamp for the next build.

use std::collections::BTreeMap;

use anyhow::Result;
use rayon::prelude::*;

use crate::build::BuildReport;
use crate::build::incremental::state::{BuildState, OutputRecord};
use crate::build::outputs::site_writer::SiteWriter;
use crate::file_stamp::Stamp;

/// The outputs of a build, or of one chat's part of it.
pub(super) struct OutputLog<'a> {
    writer: &'a SiteWriter,
    last: &'a BuildState,
    /// The last build's outputs are on disk as this process left them (a long-lived builder
    /// after its first build): their stamps need no `stat`.
    trusted: bool,
    pub(super) outputs: BTreeMap<String, OutputRecord>,
    pub(super) report: BuildReport,
}

impl<'a> OutputLog<'a> {
    pub(super) fn new(
        writer: &'a SiteWriter,
        last: &'a BuildState,
        trusted: bool,
    ) -> OutputLog<'a> {
        OutputLog {
            writer,
            last,
            trusted,
            outputs: BTreeMap::new(),
            report: BuildReport::default(),
        }
    }

    /// An empty log beside this one, for outputs recorded side by side with its own; see
    /// [`OutputLog::absorb`].
    pub(super) fn sibling(&self) -> OutputLog<'a> {
        OutputLog::new(self.writer, self.last, self.trusted)
    }

    /// The writer outputs go through (for outputs rendered side by side, then recorded).
    pub(super) fn writer(&self) -> &'a SiteWriter {
        self.writer
    }

    /// The last build's outputs under `prefix` (a folder, with its `/`), with their signatures:
    /// for a group of outputs whose count depends on what they hold.
    pub(super) fn recorded_under(&self, prefix: &str) -> Vec<(String, u64)> {
        self.last
            .outputs
            .range(prefix.to_owned()..)
            .take_while(|(rel, _)| rel.starts_with(prefix))
            .map(|(rel, o)| (rel.clone(), o.sig))
            .collect()
    }

    /// Whether the output at `rel` was made from `sig` and is on disk as the last build left it.
    /// Trusted, only the signature is compared: a rebuild in `watch` or `serve` signs every
    /// output of the changed chat, and a `stat` of each was a fifth of the rebuild at 25,000
    /// outputs (issue 15).
    pub(super) fn is_current(&self, rel: &str, sig: u64) -> bool {
        if self.trusted {
            return self.last.outputs.get(rel).is_some_and(|o| o.sig == sig);
        }
        self.last.is_current(self.writer.root(), rel, sig)
    }

    /// Writes one output unless it is current; records it either way.
    pub(super) fn put(
        &mut self,
        rel: &str,
        sig: u64,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<()> {
        let wrote = if self.is_current(rel, sig) {
            None
        } else {
            Some(self.writer.put(rel, &render()?)?)
        };
        self.record(rel, sig, wrote);
        Ok(())
    }

    /// Notes an output: kept as it was (`wrote` is `None`), or rendered (and rewritten or not,
    /// as `wrote` says).
    pub(super) fn record(&mut self, rel: &str, sig: u64, wrote: Option<bool>) {
        let entry = match wrote {
            None => {
                self.report.unchanged += 1;
                self.last.outputs.get(rel).copied()
            }
            Some(wrote) => {
                self.report.rendered += 1;
                if !wrote {
                    self.report.unchanged += 1;
                }
                Stamp::read(&self.writer.root().join(rel)).map(|stamp| OutputRecord { sig, stamp })
            }
        };
        if let Some(entry) = entry {
            self.outputs.insert(rel.to_owned(), entry);
        }
    }

    /// Keeps an output of the last build untouched (its chat did not change).
    pub(super) fn keep(&mut self, rel: &str) {
        if let Some(o) = self.last.outputs.get(rel) {
            self.outputs.insert(rel.to_owned(), *o);
            self.report.unchanged += 1;
        }
    }

    /// Whether every one of `rels` is on disk as the last build wrote it: a `stat` each, on
    /// every thread (25,000 outputs of a 100,000-message chat took a cold build 60 ms on one).
    pub(super) fn all_on_disk(&self, rels: &[String]) -> bool {
        rels.par_iter().all(|rel| {
            self.last
                .outputs
                .get(rel)
                .is_some_and(|o| Stamp::read(&self.writer.root().join(rel)) == Some(o.stamp))
        })
    }

    /// Adds a part's outputs (one chat's) to this log.
    pub(super) fn absorb(&mut self, part: OutputLog<'_>) {
        let mut outputs = part.outputs;
        self.outputs.append(&mut outputs);
        self.report.absorb(part.report);
    }
}
