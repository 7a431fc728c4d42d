//! Staged writes that land in a folder tree together, or not at all.
//!
//! A [`Transaction`] stages whole files (bytes at paths relative to the tree) in a folder of its
//! own, beside the tree and on the same file system, and [`Transaction::commit`] moves them into
//! the tree, each atomically. Dropped without commit, it leaves the tree exactly as it was. It
//! knows nothing of what the files mean: the content store decides what to write, this decides
//! how it lands.
//!
//! Bulk imports stage a million files, so two things are cheap here. A folder declared new
//! ([`Transaction::add_new_folder`]) moves in with a single rename, and the files in its bulk
//! subfolder are known by a 16-byte hash of their path rather than by the path itself; commit
//! lists them from disk. Files are created by one writer thread (`writer.rs`), while comparing
//! with the tree reads in parallel.

mod writer;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fsio;
use writer::StagingWriter;

/// What writing one file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
}

/// How many files a run created, updated and left as they were: the tally in the summaries of
/// `import`, `backfill` and `sync`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl WriteCounts {
    pub fn add(&mut self, outcome: WriteOutcome) {
        match outcome {
            WriteOutcome::Created => self.created += 1,
            WriteOutcome::Updated => self.updated += 1,
            WriteOutcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// "3 new, 1 updated, 40 unchanged".
impl std::fmt::Display for WriteCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// What a committed transaction changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommitSummary {
    pub created: usize,
    pub updated: usize,
    /// Tree-relative paths of every file written (by a commit that does not list bulk files:
    /// all but the bulk files of new folders).
    pub paths: Vec<PathBuf>,
}

/// A file to stage: tree-relative path, bytes, and what staging it does to the tree when the
/// caller already knows (it read the tree's version, or the tree cannot have the file).
pub type StagedFile = (PathBuf, Vec<u8>, Option<WriteOutcome>);

/// Files staged for a tree; dropped without commit, they vanish.
#[derive(Debug)]
pub struct Transaction {
    /// Writes the staged files of bulk stagings; started by the first call with many files. It
    /// is the first field so that it drops, and finishes writing, before the staging folder goes.
    writer: Option<StagingWriter>,
    /// The tree the files land in.
    root: PathBuf,
    staging: tempfile::TempDir,
    /// Tree-relative path → outcome, for every staged file but the bulk files of new folders.
    staged: HashMap<PathBuf, WriteOutcome>,
    /// Hashes of the paths of new folders' staged bulk files: the bulk of an import, known this
    /// way in 16 bytes rather than a path's 130 (a million-message import). A hash that collides
    /// only costs a look in the staging folder; commit lists the files themselves.
    bulk_files: HashSet<u64>,
    /// Folders new in this transaction, each with its bulk subfolder: they move in whole.
    new_folders: Vec<(PathBuf, PathBuf)>,
    /// The bulk subfolders of the new folders, to look files up by.
    bulk_dirs: HashSet<PathBuf>,
    /// Folders already created under the staging folder.
    staging_dirs: HashSet<PathBuf>,
}

impl Transaction {
    /// Starts staging files for the tree at `root`, in a new folder under `staging_root`
    /// (which must be on the same file system for commits to be renames).
    pub fn begin(root: &Path, staging_root: &Path) -> Result<Transaction> {
        fs::create_dir_all(staging_root)
            .with_context(|| format!("cannot create {}", staging_root.display()))?;
        remove_abandoned(staging_root);
        let staging = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
            .tempdir_in(staging_root)
            .with_context(|| format!("cannot create a folder in {}", staging_root.display()))?;
        Ok(Transaction {
            writer: None,
            root: root.to_owned(),
            staging,
            staged: HashMap::new(),
            bulk_files: HashSet::new(),
            new_folders: Vec::new(),
            bulk_dirs: HashSet::new(),
            staging_dirs: HashSet::new(),
        })
    }

    /// The tree the files land in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Declares `folder` new in this transaction: it lands with one rename (file by file if the
    /// tree has it by then). Files staged directly in its subfolder `bulk` are counted by commit
    /// rather than tracked one by one.
    pub fn add_new_folder(&mut self, folder: &Path, bulk: &Path) {
        debug_assert!(bulk.starts_with(folder));
        self.new_folders.push((folder.to_owned(), bulk.to_owned()));
        self.bulk_dirs.insert(bulk.to_owned());
    }

    /// Whether `folder` was declared new in this transaction.
    pub fn is_new_folder(&self, folder: &Path) -> bool {
        self.new_folders.iter().any(|(f, _)| f == folder)
    }

    /// Whether `rel` is a bulk file of a new folder.
    fn is_bulk_file(&self, rel: &Path) -> bool {
        !self.bulk_dirs.is_empty() && rel.parent().is_some_and(|p| self.bulk_dirs.contains(p))
    }

    /// Whether this transaction may have staged `rel` (surely, unless a bulk file's hash
    /// collides).
    pub fn maybe_staged(&self, rel: &Path) -> bool {
        self.staged.contains_key(rel)
            || (self.is_bulk_file(rel) && self.bulk_files.contains(&path_hash(rel)))
    }

    /// Stages `bytes` for `rel`, unless the tree already holds exactly them.
    pub fn stage(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        known: Option<WriteOutcome>,
    ) -> Result<WriteOutcome> {
        let mut outcomes = self.stage_many(vec![(rel.to_owned(), bytes.to_vec(), known)]);
        outcomes
            .pop()
            .unwrap_or_else(|| Ok(WriteOutcome::Unchanged))
    }

    /// Stages files, each unless the tree already holds exactly its bytes; unknown outcomes are
    /// found by comparing. Returns one outcome per file, in order.
    pub fn stage_many(&mut self, files: Vec<StagedFile>) -> Vec<Result<WriteOutcome>> {
        use rayon::prelude::*;
        // A bulk import stages a hundred thousand files into a few folders: create each once.
        for (rel, _, _) in &files {
            let path = self.staging.path().join(rel);
            if let Some(dir) = path.parent()
                && !self.staging_dirs.contains(dir)
            {
                if let Err(e) = fs::create_dir_all(dir) {
                    let e =
                        anyhow::Error::from(e).context(format!("cannot create {}", dir.display()));
                    return vec![Err(e)];
                }
                self.staging_dirs.insert(dir.to_owned());
            }
        }
        if self.writer.is_none() && files.len() > 1 {
            match StagingWriter::start() {
                Ok(writer) => self.writer = Some(writer),
                Err(e) => return vec![Err(e)],
            }
        }
        let (root, staging) = (&self.root, self.staging.path());
        // Comparing with the tree reads in parallel; creating files is one thread's job: two
        // threads creating files in one folder contend for its lock, and on a busy disk they
        // spin on it (seen here: ten times slower than one thread).
        let compared: Vec<Result<WriteOutcome>> = files
            .par_iter()
            .map(|(rel, bytes, known)| {
                if let Some(outcome) = known {
                    return Ok(*outcome);
                }
                Ok(match fsio::read_optional(&root.join(rel))? {
                    Some(existing) if existing == *bytes => WriteOutcome::Unchanged,
                    Some(_) => WriteOutcome::Updated,
                    None => WriteOutcome::Created,
                })
            })
            .collect();
        let mut decided: Vec<Result<WriteOutcome>> = Vec::with_capacity(files.len());
        let mut staged_rels = Vec::with_capacity(files.len());
        for ((rel, bytes, _), outcome) in files.into_iter().zip(compared) {
            let written = outcome.and_then(|outcome| {
                if outcome != WriteOutcome::Unchanged {
                    let path = staging.join(&rel);
                    match &self.writer {
                        // Once the writer runs, every file goes through it, in order.
                        Some(writer) => writer.write(path, bytes)?,
                        None => fs::write(&path, bytes)
                            .with_context(|| format!("cannot write {}", path.display()))?,
                    }
                }
                Ok(outcome)
            });
            decided.push(written);
            staged_rels.push(rel);
        }
        for (rel, outcome) in staged_rels.into_iter().zip(&decided) {
            match outcome {
                // Back to what the tree holds (a reaction added, then removed, in one batch):
                // an earlier version staged in this transaction must not land.
                Ok(WriteOutcome::Unchanged) => {
                    if self.staged.remove(&rel).is_some() {
                        if let Err(e) = self.flush_writes() {
                            return vec![Err(e)];
                        }
                        let _ = fs::remove_file(self.staging.path().join(&rel));
                    }
                }
                Ok(_) if self.is_bulk_file(&rel) => {
                    self.bulk_files.insert(path_hash(&rel));
                }
                Ok(outcome) => {
                    self.staged.insert(rel, *outcome);
                }
                Err(_) => {}
            }
        }
        decided
    }

    /// Waits for the staged files handed to the writer thread to be on disk.
    fn flush_writes(&self) -> Result<()> {
        match &self.writer {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }

    /// Reads the version of a file this transaction would leave: staged, else in the tree.
    pub fn current(&self, rel: &Path) -> Result<Option<Vec<u8>>> {
        if self.maybe_staged(rel) {
            self.flush_writes()?;
            if let Some(bytes) = fsio::read_optional(&self.staging.path().join(rel))? {
                return Ok(Some(bytes));
            }
        }
        self.read_tree(rel)
    }

    /// Reads the version of a file the tree holds now, whatever is staged.
    pub fn read_tree(&self, rel: &Path) -> Result<Option<Vec<u8>>> {
        fsio::read_optional(&self.root.join(rel))
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.staged.len() + self.bulk_files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves every staged file into the tree. Each file lands atomically; a new folder lands
    /// whole. With `list_bulk` false, the bulk files of new folders that moved whole are
    /// counted but not listed in the summary's `paths` (a million paths for a million-message
    /// import, held only to be dropped).
    ///
    /// Durable before visible (issue 11, defect 9): the staged files reach the disk before the
    /// first rename, and the renames before this returns, so after a power loss a file in the
    /// tree is never empty or torn, and a commit that returned is there.
    pub fn commit(self, list_bulk: bool) -> Result<CommitSummary> {
        self.flush_writes()?;
        let root = &self.root;
        let staging = self.staging.path();
        let bulk = !self.new_folders.is_empty();
        if bulk {
            fsio::sync_tree(staging)?;
        } else {
            let staged: Vec<PathBuf> = self.staged.keys().map(|rel| staging.join(rel)).collect();
            fsio::sync_files(&staged)?;
        }
        let mut summary = CommitSummary::default();
        let mut moved_whole: HashSet<&Path> = HashSet::new();
        let mut staged: Vec<(PathBuf, WriteOutcome)> = Vec::new();
        for (folder, bulk) in &self.new_folders {
            if let Some(parent) = folder.parent() {
                let dir = root.join(parent);
                fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            // Fails if someone created the folder meanwhile; then files move one by one.
            let whole = fs::rename(staging.join(folder), root.join(folder)).is_ok();
            if whole {
                moved_whole.insert(folder);
            }
            // Its bulk files are known by hash only: list them where they now are.
            let dir = if whole { root } else { staging }.join(bulk);
            for entry in fsio::dir_entries(&dir)? {
                if whole && !list_bulk {
                    summary.created += 1;
                } else {
                    staged.push((bulk.join(entry.file_name()), WriteOutcome::Created));
                }
            }
        }
        // The paths move into the summary: a million-file import holds them once, not twice.
        staged.extend(self.staged);
        // Byte order is as deterministic as path order, and much cheaper for 100k paths.
        staged.sort_unstable_by(|a, b| {
            a.0.as_os_str()
                .as_encoded_bytes()
                .cmp(b.0.as_os_str().as_encoded_bytes())
        });
        summary.paths.reserve_exact(staged.len());
        for (rel, outcome) in staged {
            match outcome {
                WriteOutcome::Created => summary.created += 1,
                WriteOutcome::Updated => summary.updated += 1,
                WriteOutcome::Unchanged => {}
            }
            let landed =
                !moved_whole.is_empty() && rel.ancestors().any(|a| moved_whole.contains(a));
            if !landed {
                move_into_place(&staging.join(&rel), &root.join(&rel))?;
            }
            summary.paths.push(rel);
        }
        if bulk {
            fsio::sync_tree(root)?;
        } else {
            let landed: Vec<PathBuf> = summary.paths.iter().map(|rel| root.join(rel)).collect();
            fsio::sync_files(&landed)?;
        }
        Ok(summary)
    }
}

/// Staging folders are `batch-<pid>-<random>`: the pid says whose they are.
const STAGING_PREFIX: &str = "batch-";

/// Removes the staging folders of processes that are gone: a process killed mid-import (kill -9,
/// a power loss) leaves its staged files behind, as large as the archive. Folders of live
/// processes (a `serve` and a CLI command may stage at once) are theirs; without `/proc` (not
/// Linux), nothing is removed.
fn remove_abandoned(staging_root: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(staging_root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            match fs::remove_dir_all(entry.path()) {
                Ok(()) => tracing::info!(
                    "removed {}, left by a process that stopped mid-write",
                    entry.path().display()
                ),
                Err(e) => tracing::warn!("cannot remove {}: {e}", entry.path().display()),
            }
        }
    }
}

/// A hash of a tree-relative path, for [`Transaction::bulk_files`] (in memory only).
fn path_hash(rel: &Path) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(rel)
}

/// Renames a staged file into the tree, or, across file systems (EXDEV), copies it with an
/// atomic write.
fn move_into_place(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if let Err(e) = fs::rename(from, to) {
        let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        fsio::write_atomic(to, &bytes)
            .with_context(|| format!("cannot move {} into place ({e})", to.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
