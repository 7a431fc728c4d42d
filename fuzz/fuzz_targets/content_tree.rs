//! What the importer and event targets share: a throw-away project per input (in memory when
//! `/dev/shm` exists, so the fuzzer does not wear the disk), a snapshot of its content tree, and
//! the checks every tree a writer leaves must pass.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use scrollback::content::{ChannelSettings, ContentPath, MessageRecord};
use scrollback::project::Project;
use tempfile::TempDir;

/// A project nested a few folders deep in a temporary folder, so a write that escapes it
/// (`../`) still lands inside the temporary folder, where [`Sandbox::check_no_escape`] sees it.
pub struct Sandbox {
    pub dir: TempDir,
    pub project: Project,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new()
                .prefix("scrollback-fuzz-")
                .tempdir_in(shm)
        } else {
            tempfile::Builder::new()
                .prefix("scrollback-fuzz-")
                .tempdir()
        }
        .expect("a temporary folder");
        let root = dir.path().join("a/b/project");
        fs::create_dir_all(root.join("content")).expect("the project folder");
        Sandbox {
            dir,
            project: Project::new(root),
        }
    }

    /// Panics when anything but `extra` (files the target itself put there) and the project
    /// exists in the temporary folder, or when the project holds anything but `content/` and
    /// `.scrollback/`.
    pub fn check_no_escape(&self, extra: &[&str]) {
        for entry in walk(self.dir.path()) {
            let rel = entry.strip_prefix(self.dir.path()).unwrap();
            let allowed = ["a", "a/b", "a/b/project"]
                .iter()
                .any(|p| rel == Path::new(p))
                || extra.iter().any(|p| rel == Path::new(p))
                || rel.starts_with("a/b/project/content")
                || rel.starts_with("a/b/project/.scrollback");
            assert!(allowed, "a write escaped content/: {}", rel.display());
        }
    }
}

/// Every path under `dir` (not `dir` itself), folders included; symlinks are refused.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).expect("a readable folder") {
            let entry = entry.expect("a readable entry");
            let kind = entry.file_type().expect("a file type");
            assert!(!kind.is_symlink(), "a symlink: {}", entry.path().display());
            if kind.is_dir() {
                todo.push(entry.path());
            }
            out.push(entry.path());
        }
    }
    out.sort();
    out
}

/// The content tree's files, by path relative to `content/`, with their bytes.
pub fn snapshot(project: &Project) -> BTreeMap<PathBuf, Vec<u8>> {
    let content = project.content_dir();
    walk(&content)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = fs::read(&p).expect("a readable file");
            (p.strip_prefix(&content).unwrap().to_owned(), bytes)
        })
        .collect()
}

/// Panics unless every file of the tree is one the store writes (a path made from valid ids),
/// and reads as what the build expects there: a message record, a user object, a
/// `channel.toml`.
pub fn check_tree(tree: &BTreeMap<PathBuf, Vec<u8>>) {
    for (rel, bytes) in tree {
        let what = rel.display();
        match ContentPath::parse(rel) {
            Some(ContentPath::Message(..)) => {
                if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    panic!("{what} is not JSON: {e}");
                }
                if let Err(e) = serde_json::from_slice::<MessageRecord>(bytes) {
                    panic!("{what} is not a message record: {e}");
                }
            }
            Some(ContentPath::User(_)) => {
                let user: serde_json::Value = serde_json::from_slice(bytes)
                    .unwrap_or_else(|e| panic!("{what} is not JSON: {e}"));
                assert!(user.is_object(), "{what} is not a JSON object");
            }
            Some(ContentPath::ChatSettings(_)) => {
                let text = std::str::from_utf8(bytes)
                    .unwrap_or_else(|e| panic!("{what} is not UTF-8: {e}"));
                if let Err(e) = ChannelSettings::parse(text, rel) {
                    panic!("{what} does not parse: {e:#}");
                }
            }
            _ => panic!("a file the store never writes: {what}"),
        }
    }
}
