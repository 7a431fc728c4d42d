//! `search/index.json`: what the search page reads first. It lists the published chats with
//! their headline and how many segments each has, and the constants the page needs to find a
//! term's bucket. It changes when a chat is added, renamed or starts a new segment, not with each
//! message, so a new message does not rewrite it.
//!
//! `{"version":1,"generator":"scrollback","buckets":128,"key_chars":3,
//!   "chats":[{"slug":"…","headline":"…","segments":2}]}`

use serde::Serialize;

use super::terms::KEY_CHARS;
use super::{BUCKETS, FORMAT};

/// Site path of the manifest.
pub const PATH: &str = "search/index.json";

/// A chat as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ChatEntry<'a> {
    pub slug: &'a str,
    pub headline: &'a str,
    pub segments: usize,
}

#[derive(Serialize)]
struct Manifest<'a> {
    version: u32,
    generator: &'static str,
    buckets: u32,
    key_chars: usize,
    chats: &'a [ChatEntry<'a>],
}

/// The manifest's JSON, for `chats` in the order given.
pub fn json(chats: &[ChatEntry<'_>]) -> Vec<u8> {
    let mut out = serde_json::to_vec(&Manifest {
        version: FORMAT,
        generator: "scrollback",
        buckets: BUCKETS,
        key_chars: KEY_CHARS,
        chats,
    })
    .unwrap_or_default();
    out.push(b'\n');
    out
}
