//! File writes that never leave a torn file behind.
//!
//! Everything scrollback writes, in `content/` and in `site/`, goes through these functions: the
//! bytes go to a temporary file in the destination's own folder, which is then renamed over the
//! destination. A crash or a concurrent reader sees the old file or the new one, never half of one.
//! What must survive a power loss (content, state, the journal's position) is also synced before
//! it is renamed; the site, made again from content, is not (see [`write_if_changed`]).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically and durably, creating parent folders as needed: the data
/// reaches the disk before the rename makes it visible, and the rename before this returns. After
/// a power loss the file is the old one or the new one, never an empty one (issue 11, defect 9).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, Durability::Synced, PUBLIC)
}

/// [`write_atomic`] for a file only its owner may read (0600): what `serve` keeps of Slack's
/// raw events and of how far it applied them (issue 11).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, Durability::Synced, PRIVATE)
}

/// [`write_atomic`] without the sync, for caches made again from `content/` when they are lost
/// (the incremental build's chat indexes): a power loss may leave the old file or none, never a
/// torn one.
pub fn write_atomic_cache(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, Durability::Unsynced, PUBLIC)
}

/// Modes of files written: the content tree and the site are for everyone to read.
const PUBLIC: u32 = 0o644;
const PRIVATE: u32 = 0o600;

/// Writes `bytes` to `path` only when the file does not already hold exactly these bytes.
/// Returns whether it wrote. Unchanged files keep their modification time, so a deploy or a
/// watcher downstream sees only real changes.
///
/// Atomic but not synced: this writes the site, thousands of files a build, all made again from
/// `content/` (the build state keeps each output's size and time, so one a power loss emptied is
/// rebuilt).
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    if same_contents(path, bytes)? {
        return Ok(false);
    }
    replace(path, bytes, Durability::Unsynced, PUBLIC)?;
    Ok(true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    Unsynced,
}

fn replace(path: &Path, bytes: &[u8], durability: Durability, mode: u32) -> Result<()> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no parent folder", path.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // Temporary files are created private (0600).
    #[cfg(unix)]
    if mode != PRIVATE {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set permissions of {}", path.display()))?;
    }
    if durability == Durability::Synced {
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("cannot write {} to disk", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    if durability == Durability::Synced {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes a folder's entries (a rename into it) durable. Not every platform can sync a folder;
/// the file's own sync is what matters most.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Whether the file at `path` exists and holds exactly `bytes`.
pub fn same_contents(path: &Path, bytes: &[u8]) -> Result<bool> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            let existing =
                fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok(existing == bytes)
        }
        Ok(_) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// How many files [`sync_files`] syncs one by one before one `syncfs` is cheaper.
const SYNC_ONE_BY_ONE: usize = 64;

/// Makes files already written durable: each file and the folders naming it are fsynced. Many
/// files at once go through one `syncfs` of their file system instead, on Linux.
pub fn sync_files(paths: &[std::path::PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    if paths.len() > SYNC_ONE_BY_ONE
        && let Some(first) = paths.first()
    {
        return sync_file_system(first.parent().unwrap_or(first));
    }
    let mut dirs = std::collections::BTreeSet::new();
    for path in paths {
        match fs::File::open(path) {
            Ok(f) => f
                .sync_all()
                .with_context(|| format!("cannot sync {}", path.display()))?,
            // Removed since: nothing to make durable.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        }
        // The folder naming the file, and the one above (a chat's first message makes its
        // messages/ folder).
        for dir in path.ancestors().skip(1).take(2) {
            dirs.insert(dir.to_owned());
        }
    }
    for dir in dirs {
        sync_dir(&dir);
    }
    Ok(())
}

/// Makes everything under `dir` durable: on Linux one `syncfs` of its file system (a million
/// files of an import cost one call); elsewhere each file and folder under it.
pub fn sync_tree(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        sync_file_system(dir)
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            if entry.file_type().is_file() {
                fs::File::open(entry.path())
                    .and_then(|f| f.sync_all())
                    .with_context(|| format!("cannot sync {}", entry.path().display()))?;
            } else if entry.file_type().is_dir() {
                sync_dir(entry.path());
            }
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn sync_file_system(dir: &Path) -> Result<()> {
    let handle = fs::File::open(dir).with_context(|| format!("cannot open {}", dir.display()))?;
    rustix::fs::syncfs(&handle)
        .with_context(|| format!("cannot sync the file system of {}", dir.display()))
}

/// Whether an error came from the disk (full, read-only, not permitted, a folder where a file
/// belongs) rather than from what was being written: retrying or making room may cure it,
/// skipping the input would not.
pub fn is_disk_error(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.is::<io::Error>())
}

/// The entries of a folder that may not exist (a missing folder is empty); errors name it.
pub fn dir_entries(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    entries
        .map(|entry| entry.with_context(|| format!("cannot read {}", dir.display())))
        .collect()
}

/// Calls `f` with the name of each entry of a folder that may not exist (a missing folder has
/// none); errors name it. On Linux the names are read straight from `getdents` into one buffer:
/// `read_dir` allocates twice per entry, and listing a 100,000-message chat was a fifth of a
/// cold build of it (issue 15).
pub fn for_each_name(dir: &Path, mut f: impl FnMut(&std::ffi::OsStr) -> Result<()>) -> Result<()> {
    let context = || format!("cannot read {}", dir.display());
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{Mode, OFlags, RawDir};
        use std::os::unix::ffi::OsStrExt;
        let fd = match rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(()),
            Err(e) => return Err(io::Error::from(e)).with_context(context),
        };
        // Room for hundreds of entries per call; a name is at most 255 bytes.
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut entries = RawDir::new(&fd, buf.spare_capacity_mut());
        while let Some(entry) = entries.next() {
            let entry = entry.map_err(io::Error::from).with_context(context)?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                f(std::ffi::OsStr::from_bytes(name))?;
            }
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in dir_entries(dir)? {
            f(&entry.file_name())?;
        }
        Ok(())
    }
}

/// Reads a file that may not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_few_files_one_by_one_and_many_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths: Vec<std::path::PathBuf> = (0..70)
            .map(|i| dir.path().join(format!("d{}/f{i}.json", i % 3)))
            .collect();
        for p in &paths {
            write_atomic(p, b"{}").unwrap();
        }
        sync_files(&paths[..2]).unwrap();
        sync_files(&paths).unwrap();
        // A file removed since it was written has nothing left to sync.
        paths.push(dir.path().join("gone.json"));
        sync_files(&paths[68..]).unwrap();
    }

    #[test]
    fn writes_only_changed_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c.txt");
        assert!(write_if_changed(&path, b"one").unwrap());
        assert!(!write_if_changed(&path, b"one").unwrap());
        assert!(write_if_changed(&path, b"two").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"two");
        // no temporary files are left beside the result
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["c.txt"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "readable by a web server");
        }
    }
}
