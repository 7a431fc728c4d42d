//! The one write path into `site/`: every output goes through [`SiteWriter`], which writes a file
//! only when its bytes changed (so a deploy uploads only what changed) and afterwards removes
//! whatever the build no longer produces (a deleted chat, a page that is gone).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};

use crate::fsio;

/// Writes the site's files.
#[derive(Debug)]
pub struct SiteWriter {
    root: PathBuf,
    produced: Mutex<BTreeSet<String>>,
    /// Site-relative paths rewritten in this build.
    written: Mutex<Vec<String>>,
    bytes_written: AtomicU64,
}

impl SiteWriter {
    pub fn new(root: &Path) -> SiteWriter {
        SiteWriter {
            root: root.to_owned(),
            produced: Mutex::new(BTreeSet::new()),
            written: Mutex::new(Vec::new()),
            bytes_written: AtomicU64::new(0),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
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
        if rel.is_empty()
            || rel.starts_with('/')
            || rel
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
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
        let produced = self.produced.lock().unwrap_or_else(|e| e.into_inner());
        let mut removed = Vec::new();
        if !self.root.is_dir() {
            return Ok(removed);
        }
        let mut dirs = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root).min_depth(1) {
            let entry = entry.with_context(|| format!("cannot list {}", self.root.display()))?;
            let rel = entry
                .path()
                .strip_prefix(&self.root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            if entry.file_type().is_dir() {
                dirs.push(entry.into_path());
            } else if !produced.contains(&rel) {
                std::fs::remove_file(entry.path())
                    .with_context(|| format!("cannot remove {}", entry.path().display()))?;
                removed.push(rel);
            }
        }
        // Deepest first, so parents empty out after their children.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            let _ = std::fs::remove_dir(&dir); // fails, as wanted, when not empty
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
