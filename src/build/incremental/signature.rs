//! Signatures: 64-bit hashes of everything an output is made from.
//!
//! The incremental build renders an output only when its signature changed (or the file on disk
//! is not the one it wrote). A signature covers every input of its output, so a skipped render is
//! never a wrong one. xxh3 is fast and stable across runs and platforms, so signatures can be kept
//! in `.scrollback/` between builds.

use xxhash_rust::xxh3::Xxh3;

use crate::file_stamp::Stamp;

/// Builds a signature from parts; each part is length-prefixed so `("ab","c")` ≠ `("a","bc")`.
///
/// Parts are gathered in a small buffer and hashed at once; a stream starts only when they
/// outgrow it. xxh3 streamed gives the digest of everything fed to it in one piece, so the
/// signature is the same either way, but starting a stream (its state is over 500 bytes) cost
/// more than hashing the few short parts most signatures have, thousands per rebuild of a long
/// chat (issue 15).
pub struct Signature {
    buf: [u8; BUFFERED],
    len: usize,
    stream: Option<Box<Xxh3>>,
}

/// How many bytes a signature hashes at once before it streams.
const BUFFERED: usize = 256;

impl Default for Signature {
    fn default() -> Signature {
        Signature {
            buf: [0; BUFFERED],
            len: 0,
            stream: None,
        }
    }
}

impl Signature {
    pub fn new() -> Signature {
        Signature::default()
    }

    fn update(&mut self, bytes: &[u8]) {
        if let Some(stream) = &mut self.stream {
            stream.update(bytes);
        } else if let Some(room) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            room.copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            let mut stream = Box::new(Xxh3::new());
            stream.update(&self.buf[..self.len]);
            stream.update(bytes);
            self.stream = Some(stream);
        }
    }

    pub fn with(mut self, bytes: impl AsRef<[u8]>) -> Signature {
        self.push(bytes);
        self
    }

    pub fn push(&mut self, bytes: impl AsRef<[u8]>) {
        let bytes = bytes.as_ref();
        self.update(&(bytes.len() as u64).to_le_bytes());
        self.update(bytes);
    }

    pub fn push_u64(&mut self, n: u64) {
        self.update(&n.to_le_bytes());
    }

    /// The same as [`Self::push_u64`] of each in turn (xxh3 streams: the digest is the same),
    /// a block at a time: a long chat's signatures take hundreds of thousands (issue 15).
    pub fn push_u64s(&mut self, ns: impl IntoIterator<Item = u64>) {
        const BLOCK: usize = 32;
        let mut buf = [0u8; 8 * BLOCK];
        let mut len = 0;
        for n in ns {
            buf[len..len + 8].copy_from_slice(&n.to_le_bytes());
            len += 8;
            if len == buf.len() {
                self.update(&buf);
                len = 0;
            }
        }
        self.update(&buf[..len]);
    }

    /// Adds what a file looked like (size, time, inode) to the signature.
    pub fn push_stamp(&mut self, stamp: &Stamp) {
        self.push_u64(stamp.len);
        self.push((stamp.mtime as u128).to_le_bytes());
        self.push_u64(stamp.inode);
    }

    pub fn finish(&self) -> u64 {
        match &self.stream {
            Some(stream) => stream.digest(),
            None => hash(&self.buf[..self.len]),
        }
    }
}

/// The signature of a sequence of hashes, order included: for the many small signatures a
/// build of a long chat takes (one per top-level message), a short hash per part is far cheaper
/// than a [`Signature`]'s stream (issue 15).
pub fn chain(hashes: impl IntoIterator<Item = u64>) -> u64 {
    hashes.into_iter().fold(0x0005_c011_bac4, |sig, h| {
        xxhash_rust::xxh3::xxh3_64_with_seed(&h.to_le_bytes(), sig)
    })
}

/// The hash of one byte string.
pub fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
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
        assert_ne!(chain([1, 2]), chain([2, 1]));
        assert_ne!(chain([1]), chain([1, 0]));
        // Buffered or streamed, the digest of all the parts in one piece.
        for n in [0, 1, 7, 15, 16, 17, 40, 100, 300] {
            let mut sig = Signature::new();
            let mut stream = Xxh3::new();
            for i in 0..n {
                let part = vec![i as u8; (i * 7) % 23];
                sig.push(&part);
                stream.update(&(part.len() as u64).to_le_bytes());
                stream.update(&part);
            }
            assert_eq!(sig.finish(), stream.digest(), "{n} parts");
        }
        // Batched, the same digest as one at a time, across block boundaries.
        for n in [0, 1, 31, 32, 33, 100] {
            let mut one = Signature::new().with("head");
            for i in 0..n {
                one.push_u64(i * 0x9e37_79b9);
            }
            let mut batch = Signature::new().with("head");
            batch.push_u64s((0..n).map(|i| i * 0x9e37_79b9));
            assert_eq!(one.finish(), batch.finish(), "{n} numbers");
        }
    }
}
