//! File stamps: what a file looked like when last read (size, modification time, inode), enough
//! to notice that it changed without reading it. The incremental build compares them with the
//! last build's; `serve` and the dev server use them as ETags.

use std::path::Path;

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
