//! Static search (issue 16): an index of every published message, in files a search page fetches
//! from any static host, updated incrementally. docs/search.md explains the design and its costs.
//!
//! Under `site/search/`:
//! - `index.html`, the search page (the theme's `search.html`, with `assets/search.js`);
//! - `index.json`, the manifest ([`manifest`]): each chat's slug, headline and segment count;
//! - per chat, `<slug>/docs-B.json` ([`chat_search`]): the messages of a block of
//!   [`DOC_BLOCK`] top-level places (with their threads), as results show them;
//! - per chat, `<slug>/sS/bK.json`: segment S's terms whose [`terms::bucket_of`] is K, each
//!   with the (block, index) of the messages that hold it.
//!
//! A segment is a run of the chat's HTML pages ([`Segments`]: `[search] segment_size` top-level
//! places, about), so
//! an old segment is frozen while a live chat grows, and a new message rewrites only the buckets
//! of its own words in the newest segment, plus its docs block: bytes bounded by the segment, not
//! the chat. What is indexed is what the pages publish: the threaded, published items of
//! `messages::structure`, never a comment-tagged, hidden, held or deleted message, and never a
//! chat the build does not publish.

pub mod chat_search;
pub mod manifest;
pub mod terms;

/// The index files' format version (in the manifest; the search page checks it).
pub const FORMAT: u32 = 1;

/// Top-level places per docs file: a new message rewrites one such file.
pub const DOC_BLOCK: usize = 50;

/// Bucket files per segment: a query fetches one per word per segment, a new message rewrites
/// at most one per distinct word (fewer: words sharing their first letters share a bucket).
pub const BUCKETS: u32 = 128;

/// Where the search page and the index live in `site/`.
pub const DIR: &str = "search";

/// The search page.
pub const PAGE: &str = "search/index.html";

/// How a chat's HTML pages group into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// HTML pages per segment.
    pub pages: usize,
}

impl Segments {
    /// Whole pages of `page_size` top-level places, `[search] segment_size` places about.
    pub fn new(config: &crate::config::Config) -> Segments {
        Segments {
            pages: (config.search.segment_size / config.page_size.max(1)).max(1),
        }
    }

    /// How many segments a chat of `pages` HTML pages has (at least one).
    pub fn count(self, pages: usize) -> usize {
        pages.div_ceil(self.pages).max(1)
    }
}
