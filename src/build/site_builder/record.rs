//! The bookkeeping of one build's outputs: each is either kept as the last build left it or
//! rendered (and written only when its bytes changed), and either way recorded with its
//! signature and file stamp for the next build.
//!
//! Records are kept per owner (each chat's pages and feeds, its search files, the site's own
//! outputs) and updated in place: a build takes over its owner's records from the last build,
//! each output it produces claims its record, and what is left unclaimed at the end is no longer
//! produced. A rebuild of a 100,000-message chat in `watch` or `serve` recorded its 25,000
//! outputs in a new site-wide map every time, a third of the rebuild (issue 15).

use anyhow::Result;
use rayon::prelude::*;

use crate::build::BuildReport;
use crate::build::incremental::state::{HashedOutputRecords, OutputRecord, OutputRecords};
use crate::build::outputs::site_writer::SiteWriter;

/// A map of output records by site-relative path: ordered ([`OutputRecords`]) or hashed
/// ([`HashedOutputRecords`]).
pub(super) trait RecordMap: Default + Sync {
    fn get(&self, rel: &str) -> Option<&OutputRecord>;
    fn get_mut(&mut self, rel: &str) -> Option<&mut OutputRecord>;
    fn insert(&mut self, rel: String, record: OutputRecord);
    fn retain(&mut self, keep: impl FnMut(&String, &mut OutputRecord) -> bool);
    fn for_each_par(&self, f: impl Fn(&str, &OutputRecord) -> bool + Sync) -> bool;
}

macro_rules! record_map {
    ($map:ty) => {
        impl RecordMap for $map {
            fn get(&self, rel: &str) -> Option<&OutputRecord> {
                <$map>::get(self, rel)
            }
            fn get_mut(&mut self, rel: &str) -> Option<&mut OutputRecord> {
                <$map>::get_mut(self, rel)
            }
            fn insert(&mut self, rel: String, record: OutputRecord) {
                <$map>::insert(self, rel, record);
            }
            fn retain(&mut self, keep: impl FnMut(&String, &mut OutputRecord) -> bool) {
                <$map>::retain(self, keep)
            }
            /// Whether `f` holds for every record, asked on every thread.
            fn for_each_par(&self, f: impl Fn(&str, &OutputRecord) -> bool + Sync) -> bool {
                self.par_iter().all(|(rel, o)| f(rel, o))
            }
        }
    };
}
record_map!(OutputRecords);
record_map!(HashedOutputRecords);

/// The outputs of one owner in a build.
pub(super) struct OutputLog<'a, M = OutputRecords> {
    writer: &'a SiteWriter,
    /// The last build's outputs are on disk as this process left them (a long-lived builder
    /// after its first build): their stamps need no `stat`.
    trusted: bool,
    /// The last build's records, updated as this build claims them.
    records: M,
    pub(super) report: BuildReport,
}

/// The log of a chat's pages, feeds, thread pages, sitemaps and Atom feed.
pub(super) type PagesLog<'a> = OutputLog<'a, HashedOutputRecords>;

/// What an owner's outputs came to in a build.
pub(super) struct Recorded<M = OutputRecords> {
    /// The outputs this build produced, for the next build.
    pub(super) records: M,
    /// The outputs the last build produced and this one did not: to prune.
    pub(super) gone: Vec<String>,
    pub(super) report: BuildReport,
}

/// A group of outputs whose count depends on what they hold (a search segment's buckets): found
/// by their folder.
impl<'a> OutputLog<'a> {
    /// Whether the last build left outputs under `prefix` (a folder, with its `/`), all of them
    /// made from `sig` and current (see [`Self::is_current`]).
    pub(super) fn all_current_under(&self, prefix: &str, sig: u64) -> bool {
        let mut under = self
            .records
            .range(prefix.to_owned()..)
            .take_while(|(rel, _)| rel.starts_with(prefix))
            .peekable();
        under.peek().is_some() && under.all(|(rel, o)| self.is_current_record(rel, o, sig))
    }

    /// Keeps every output under `prefix` as the last build left it.
    pub(super) fn keep_under(&mut self, prefix: &str) {
        let under = self
            .records
            .range_mut(prefix.to_owned()..)
            .take_while(|(rel, _)| rel.starts_with(prefix));
        for (_, o) in under {
            o.claimed = true;
            self.report.unchanged += 1;
        }
    }
}

impl<'a, M: RecordMap> OutputLog<'a, M> {
    /// A log starting from `records`, the owner's outputs as the last build recorded them
    /// (none claimed).
    pub(super) fn new(writer: &'a SiteWriter, records: M, trusted: bool) -> OutputLog<'a, M> {
        debug_assert!(records.for_each_par(|_, r| !r.claimed));
        OutputLog {
            writer,
            trusted,
            records,
            report: BuildReport::default(),
        }
    }

    /// The writer outputs go through (for outputs rendered side by side, then recorded).
    pub(super) fn writer(&self) -> &'a SiteWriter {
        self.writer
    }

    /// Whether the last build's outputs are taken to be on disk as it left them.
    pub(super) fn trusted(&self) -> bool {
        self.trusted
    }

    /// Counts an output recorded elsewhere (a chat's thread pages): kept (`wrote` is `None`),
    /// or rendered (and rewritten or not, as `wrote` says).
    pub(super) fn count(&mut self, wrote: Option<bool>) {
        match wrote {
            None => self.report.unchanged += 1,
            Some(wrote) => {
                self.report.rendered += 1;
                if !wrote {
                    self.report.unchanged += 1;
                }
            }
        }
    }

    /// Whether the output at `rel` was made from `sig` and is on disk as the last build left it.
    /// Trusted, only the signature is compared: a rebuild in `watch` or `serve` signs every
    /// output of the changed chat, and a `stat` of each was a fifth of the rebuild at 25,000
    /// outputs (issue 15).
    pub(super) fn is_current(&self, rel: &str, sig: u64) -> bool {
        self.records
            .get(rel)
            .is_some_and(|o| self.is_current_record(rel, o, sig))
    }

    /// [`Self::is_current`], for the record of `rel` in hand.
    fn is_current_record(&self, rel: &str, o: &OutputRecord, sig: u64) -> bool {
        o.sig == sig && (self.trusted || self.writer.stamp(rel) == Some(o.stamp))
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
        self.count(wrote);
        if wrote.is_none() {
            if let Some(o) = self.records.get_mut(rel) {
                o.claimed = true;
            }
            return;
        }
        // A file gone since it was written stays unclaimed: the next build renders it again.
        let Some(stamp) = self.writer.stamp(rel) else {
            return;
        };
        let now = OutputRecord {
            sig,
            stamp,
            claimed: true,
        };
        match self.records.get_mut(rel) {
            Some(o) => *o = now,
            None => {
                self.records.insert(rel.to_owned(), now);
            }
        }
    }

    /// Ends the build of this owner's outputs: what it produced, and what it no longer does.
    pub(super) fn finish(self) -> Recorded<M> {
        let mut records = self.records;
        let mut gone = Vec::new();
        records.retain(|rel, o| {
            let claimed = std::mem::take(&mut o.claimed);
            if !claimed {
                gone.push(rel.clone());
            }
            claimed
        });
        Recorded {
            records,
            gone,
            report: self.report,
        }
    }
}

/// Whether every one of `records` is on disk as the last build wrote it: a `stat` each, on
/// every thread (25,000 outputs of a 100,000-message chat took a cold build 60 ms on one).
pub(super) fn all_on_disk(writer: &SiteWriter, records: &impl RecordMap) -> bool {
    records.for_each_par(|rel, o| writer.stamp(rel) == Some(o.stamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site with `files` written through `writer` and recorded under `sig` 1, as a last build
    /// leaves them.
    fn last_build(writer: &SiteWriter, files: &[&str]) -> OutputRecords {
        let mut log = OutputLog::new(writer, OutputRecords::new(), false);
        for rel in files {
            log.put(rel, 1, || Ok(rel.as_bytes().to_vec())).unwrap();
        }
        let recorded = log.finish();
        assert!(recorded.gone.is_empty());
        recorded.records
    }

    #[test]
    fn what_a_build_does_not_claim_is_gone_and_what_it_keeps_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let first = SiteWriter::new(dir.path());
        let files = [
            "c/page-1.html",
            "c/page-2.html",
            "search/c/s1/b1.json",
            "search/c/s1/b2.json",
        ];
        let records = last_build(&first, &files);
        assert_eq!(records.len(), 4);
        assert!(records.values().all(|r| !r.claimed));

        let writer = SiteWriter::new(dir.path());
        let mut log = OutputLog::new(&writer, records.clone(), false);
        // Current on disk and by signature: kept. A changed signature renders.
        assert!(log.is_current("c/page-1.html", 1));
        assert!(!log.is_current("c/page-1.html", 2));
        assert!(log.all_current_under("search/c/s1/", 1));
        assert!(!log.all_current_under("search/c/s1/", 2));
        assert!(!log.all_current_under("search/c/s2/", 1), "nothing there");
        log.put("c/page-1.html", 1, || panic!("current: not rendered"))
            .unwrap();
        log.keep_under("search/c/s1/");
        log.put("c/page-3.html", 1, || Ok(b"new".to_vec())).unwrap();
        let recorded = log.finish();
        assert_eq!(recorded.gone, ["c/page-2.html"]);
        let kept: Vec<&str> = recorded.records.keys().map(String::as_str).collect();
        assert_eq!(
            kept,
            [
                "c/page-1.html",
                "c/page-3.html",
                "search/c/s1/b1.json",
                "search/c/s1/b2.json"
            ]
        );
        // Untouched records are the last build's; none stays claimed for the next build.
        assert_eq!(recorded.records["c/page-1.html"], records["c/page-1.html"]);
        assert!(recorded.records.values().all(|r| !r.claimed));
        assert_eq!(recorded.report.unchanged, 3);
        assert_eq!(recorded.report.rendered, 1);

        // A file changed by hand is not current for a build that reads stamps; a long-lived
        // builder that trusts its own outputs compares signatures only.
        std::fs::write(dir.path().join("c/page-1.html"), "edited by hand").unwrap();
        let log = OutputLog::new(&writer, recorded.records.clone(), false);
        assert!(!log.is_current("c/page-1.html", 1));
        assert!(!all_on_disk(&writer, &recorded.records));
        let trusted = OutputLog::new(&writer, recorded.records, true);
        assert!(trusted.is_current("c/page-1.html", 1));
    }

    #[test]
    fn a_hashed_map_records_alike() {
        let dir = tempfile::tempdir().unwrap();
        let writer = SiteWriter::new(dir.path());
        let mut log: PagesLog<'_> = OutputLog::new(&writer, HashedOutputRecords::default(), false);
        log.put("c/thread-1.html", 7, || Ok(b"t".to_vec())).unwrap();
        let recorded = log.finish();
        let writer = SiteWriter::new(dir.path());
        let mut log: PagesLog<'_> = OutputLog::new(&writer, recorded.records, false);
        assert!(log.is_current("c/thread-1.html", 7));
        assert!(all_on_disk(&writer, &log.records));
        log.put("c/thread-2.html", 7, || Ok(b"u".to_vec())).unwrap();
        let recorded = log.finish();
        assert_eq!(recorded.gone, ["c/thread-1.html"]);
        assert_eq!(recorded.records.len(), 1);
    }
}
