//! Signatures: 64-bit hashes of everything an output is made from.
//!
//! The incremental build renders an output only when its signature changed (or the file on disk
//! is not the one it wrote). A signature covers every input of its output, so a skipped render is
//! never a wrong one. xxh3 is fast and stable across runs and platforms, so signatures can be kept
//! in `.scrollback/` between builds.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// Builds a signature from parts; each part is length-prefixed so `("ab","c")` ≠ `("a","bc")`.
#[derive(Default)]
pub struct Signature(Xxh3);

impl Signature {
    pub fn new() -> Signature {
        Signature(Xxh3::new())
    }

    pub fn with(mut self, bytes: impl AsRef<[u8]>) -> Signature {
        self.push(bytes);
        self
    }

    pub fn push(&mut self, bytes: impl AsRef<[u8]>) {
        let bytes = bytes.as_ref();
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    pub fn push_u64(&mut self, n: u64) {
        self.0.update(&n.to_le_bytes());
    }

    pub fn finish(&self) -> u64 {
        self.0.digest()
    }
}

/// The hash of one byte string.
pub fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

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

    /// Adds the stamp to a signature.
    pub fn sign(&self, sig: &mut Signature) {
        sig.push_u64(self.len);
        sig.push((self.mtime as u128).to_le_bytes());
        sig.push_u64(self.inode);
    }

    /// The stamp of the file at `path`, or `None` when it does not exist.
    pub fn read(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| Stamp::of(&m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited_and_stable() {
        let a = Signature::new().with("ab").with("c").finish();
        let b = Signature::new().with("a").with("bc").finish();
        assert_ne!(a, b);
        // Kept on disk between runs: must not change from run to run or release to release.
        assert_eq!(
            hash(b"scrollback"),
            xxhash_rust::xxh3::xxh3_64(b"scrollback")
        );
        assert_eq!(hash(b""), 0x2d06800538d394c2);
    }
}
