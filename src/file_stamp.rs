//! File stamps: what a file looked like when last read (size, modification time, inode), enough
//! to notice that it changed without reading it. The incremental build compares them with the
//! last build's; `serve` and the dev server use them as ETags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a file looked like when last read: enough to notice it changed without reading it.
///
/// Modification times tick coarsely (a few milliseconds on many file systems), so two writes of
/// the same size in one tick look alike; the inode tells them apart when files are replaced by
/// rename, as scrollback and most editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    /// Nanoseconds since the epoch.
    pub mtime: i128,
    #[serde(default)]
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            mtime,
            inode,
        }
    }

    /// The stamp of the file at `path`, or `None` when it does not exist.
    pub fn read(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| Stamp::of(&m))
    }
}

/// A folder opened once to stamp many of its files: each `stat` then resolves one name, not the
/// whole path again. A cold build stamps every message file of a changed chat, and walking
/// `content/channels/<chat>/messages/` for each of 100,000 files was a third of it (issue 15).
#[derive(Debug)]
pub struct Folder {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<rustix::fd::OwnedFd>,
}

impl Folder {
    /// Opens `path` (stamps fall back to whole paths if it cannot be opened).
    pub fn open(path: &Path) -> Folder {
        Folder {
            path: path.to_owned(),
            #[cfg(target_os = "linux")]
            fd: {
                use rustix::fs::{Mode, OFlags};
                rustix::fs::open(
                    path,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()
            },
        }
    }

    /// The stamp of the file `name` in the folder (a name, or a relative path below it), or
    /// `None` when it is not a file there; the same as [`Stamp::read`] of its path.
    pub fn stamp(&self, name: &str) -> Option<Stamp> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            use rustix::fs::{AtFlags, FileType, StatxFlags};
            let mask = StatxFlags::TYPE | StatxFlags::SIZE | StatxFlags::MTIME | StatxFlags::INO;
            let st = rustix::fs::statx(fd, name, AtFlags::empty(), mask).ok()?;
            if !FileType::from_raw_mode(st.stx_mode.into()).is_file() {
                return None;
            }
            // As `Stamp::of` counts it: nanoseconds since the epoch, 0 before it.
            let t = st.stx_mtime;
            let mtime = if t.tv_sec < 0 {
                0
            } else {
                i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec)
            };
            return Some(Stamp {
                len: st.stx_size,
                mtime,
                inode: st.stx_ino,
            });
        }
        Stamp::read(&self.path.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_stamps_its_files_as_their_paths_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("1.000001.json"), b"{}").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let folder = Folder::open(dir.path());
        let path = dir.path().join("1.000001.json");
        assert_eq!(folder.stamp("1.000001.json"), Stamp::read(&path));
        assert!(folder.stamp("1.000001.json").is_some());
        // Not a file, or not there: no stamp, as for a path.
        assert_eq!(folder.stamp("sub"), None);
        assert_eq!(folder.stamp("gone.json"), None);
        // A path below it, as the site writer stamps outputs.
        std::fs::write(dir.path().join("sub/page-2.html"), b"<p>").unwrap();
        let below = dir.path().join("sub/page-2.html");
        assert_eq!(folder.stamp("sub/page-2.html"), Stamp::read(&below));
        assert!(folder.stamp("sub/page-2.html").is_some());
        // A folder that cannot be opened stamps nothing rather than failing.
        let missing = Folder::open(&dir.path().join("missing"));
        assert_eq!(missing.stamp("1.000001.json"), None);
    }
}
