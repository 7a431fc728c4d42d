//! The one write path into `site/`: every output goes through [`SiteWriter`], which writes a file
//! only when its bytes changed (so a deploy uploads only what changed) and afterwards removes
//! whatever the build no longer produces (a deleted chat, a page that is gone).

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};

use crate::file_stamp::{Folder, Stamp};
use crate::fsio;

/// Writes the site's files.
#[derive(Debug)]
pub struct SiteWriter {
    root: PathBuf,
    /// `root`, opened once: a cold build stamps each of the last build's outputs (25,700 at
    /// 100,000 messages), and each `stat` then resolves the path inside `site/` only.
    folder: Folder,
    produced: Mutex<BTreeSet<String>>,
    /// Site-relative paths rewritten in this build.
    written: Mutex<Vec<String>>,
    bytes_written: AtomicU64,
}

/// The files and folders under `site/` at one moment ([`SiteWriter::list`]).
#[derive(Debug, Default)]
pub struct SiteListing {
    /// Site-relative, `/`-separated.
    files: Vec<String>,
    dirs: Vec<PathBuf>,
}

impl SiteWriter {
    pub fn new(root: &Path) -> SiteWriter {
        SiteWriter {
            root: root.to_owned(),
            folder: Folder::open(root),
            produced: Mutex::new(BTreeSet::new()),
            written: Mutex::new(Vec::new()),
            bytes_written: AtomicU64::new(0),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The stamp of the file at site-relative `rel`, or `None` when there is none.
    pub fn stamp(&self, rel: &str) -> Option<Stamp> {
        self.folder.stamp(rel)
    }

    /// Marks an output as produced without writing it (it is current on disk).
    pub fn keep(&self, rel: &str) {
        self.produced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_owned());
    }

    /// Writes `bytes` to site-relative `rel` (a `/`-separated path built by the build, never
    /// from input) if they differ from what is there. Returns whether it wrote.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<bool> {
        if !is_site_path(rel) {
            bail!("internal: refusing to write outside site/: {rel:?}");
        }
        {
            let mut produced = self.produced.lock().unwrap_or_else(|e| e.into_inner());
            if !produced.insert(rel.to_owned()) {
                bail!(
                    "two outputs want site/{rel}: a static file and a page (or two chats) share a path"
                );
            }
        }
        let wrote = fsio::write_if_changed(&self.root.join(rel), bytes)?;
        if wrote {
            self.written
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(rel.to_owned());
            self.bytes_written
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        Ok(wrote)
    }

    /// Removes files under `site/` this build did not produce, and folders left empty.
    pub fn prune(&self) -> Result<Vec<String>> {
        self.prune_listed(self.list()?, |_| false)
    }

    /// What is under `site/` now, for [`Self::prune_listed`]: a cold build lists it while its
    /// chats build (a 100,000-message chat's 25,000 outputs took 40 ms to walk, issue 15).
    pub fn list(&self) -> Result<SiteListing> {
        let mut listing = SiteListing::default();
        if !self.root.is_dir() {
            return Ok(listing);
        }
        for entry in walkdir::WalkDir::new(&self.root).min_depth(1) {
            let entry = match entry {
                Ok(entry) => entry,
                // Renamed away while listed (a write's temporary file, on a file system that
                // makes walkdir `stat` what it lists): not there to prune.
                Err(e) if e.io_error().map(std::io::Error::kind) == Some(ErrorKind::NotFound) => {
                    continue;
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot list {}", self.root.display()));
                }
            };
            if entry.file_type().is_dir() {
                listing.dirs.push(entry.into_path());
            } else {
                let rel = entry
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                listing.files.push(rel);
            }
        }
        Ok(listing)
    }

    /// Removes the files of `listing` that this build did not produce and `claimed` does not
    /// claim (outputs kept as they were), then the folders left empty. The listing may be older
    /// than the build's writes: a file it names may be gone since (a write's temporary file).
    pub fn prune_listed(
        &self,
        listing: SiteListing,
        claimed: impl Fn(&str) -> bool,
    ) -> Result<Vec<String>> {
        let produced = self.produced.lock().unwrap_or_else(|e| e.into_inner());
        let mut removed = Vec::new();
        for rel in listing.files {
            if produced.contains(&rel) || claimed(&rel) {
                continue;
            }
            let path = self.root.join(&rel);
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(rel),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
        // Deepest first, so parents empty out after their children.
        let mut dirs = listing.dirs;
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            let _ = std::fs::remove_dir(&dir); // fails, as wanted, when not empty
        }
        removed.sort();
        Ok(removed)
    }

    /// Removes the files of `previous` (what the last build produced) that this build did not
    /// produce, and the folders that leaves empty: the prune of a long-lived builder's rebuilds,
    /// which knows what it wrote. Walking the whole of `site/` cost every rebuild of a
    /// 100,000-message chat about 80 ms (issue 15: 25,000 files). A file no build produced is
    /// left to the next full [`Self::prune`] (`watch` runs one when it starts).
    pub fn prune_previous<'a>(
        &self,
        previous: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<String>> {
        let produced = self.produced.lock().unwrap_or_else(|e| e.into_inner());
        let mut removed = Vec::new();
        // The paths come from the build state on disk: never follow one out of `site/`.
        for rel in previous.filter(|rel| is_site_path(rel) && !produced.contains(*rel)) {
            let path = self.root.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(rel.to_owned()),
                // Already gone (removed by hand): nothing to do.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != self.root && d.starts_with(&self.root)) {
                if std::fs::remove_dir(d).is_err() {
                    break; // not empty, as wanted
                }
                dir = d.parent();
            }
        }
        removed.sort();
        Ok(removed)
    }

    pub fn written(&self) -> Vec<String> {
        let mut w = self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        w.sort();
        w
    }

    pub fn bytes_written(&self) -> u64 {
        self.bytes_written.load(Ordering::Relaxed)
    }
}

/// A `/`-separated path inside `site/`: relative, with no empty, `.` or `..` component.
fn is_site_path(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_previous_removes_what_is_no_longer_produced_and_the_folders_it_empties() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "keep").unwrap();
        let root = dir.path().join("site");
        let last = SiteWriter::new(&root);
        for rel in [
            "a/b/gone.html",
            "a/kept.html",
            "c/d/gone.json",
            "index.html",
        ] {
            last.put(rel, b"x").unwrap();
        }
        std::fs::write(root.join("stray.txt"), "no build made me").unwrap();

        let now = SiteWriter::new(&root);
        now.keep("a/kept.html");
        now.put("index.html", b"y").unwrap();
        let previous = [
            "a/b/gone.html",
            "a/kept.html",
            "c/d/gone.json",
            "index.html",
            "already/removed.html",
            "../outside.txt",
        ];
        let removed = now.prune_previous(previous.into_iter()).unwrap();
        assert_eq!(removed, ["a/b/gone.html", "c/d/gone.json"]);
        assert!(!root.join("a/b").exists() && !root.join("c").exists());
        assert!(root.join("a/kept.html").is_file() && root.join("index.html").is_file());
        // Not the last build's: left to a full prune. Outside site/: never touched.
        assert!(root.join("stray.txt").is_file());
        assert!(outside.is_file());
        assert_eq!(now.prune().unwrap(), ["stray.txt"]);
    }

    #[test]
    fn a_listing_taken_before_the_writes_prunes_only_what_nobody_claims() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        for rel in ["old/stray.html", "kept.html", "tmp/.write-1", "page.html"] {
            fsio::write_if_changed(&root.join(rel), b"x").unwrap();
        }
        let writer = SiteWriter::new(&root);
        let listing = writer.list().unwrap();
        // While the build runs: a temporary file renamed away, a new output, a rewritten one.
        std::fs::remove_file(root.join("tmp/.write-1")).unwrap();
        writer.put("new/fresh.html", b"y").unwrap();
        writer.put("page.html", b"z").unwrap();
        let removed = writer
            .prune_listed(listing, |rel| rel == "kept.html")
            .unwrap();
        assert_eq!(removed, ["old/stray.html"]);
        assert!(!root.join("old").exists() && !root.join("tmp").exists());
        for rel in ["kept.html", "new/fresh.html", "page.html"] {
            assert!(root.join(rel).is_file(), "{rel}");
        }
    }
}
