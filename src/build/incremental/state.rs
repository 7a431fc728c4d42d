//! What the last build saw and wrote, kept in `.scrollback/build-state.json` so the next
//! `scrollback build` re-renders only what changed.
//!
//! The file is a cache: deleting it, or a version mismatch, or any damage, means a full build
//! (whose output is byte-identical), never a wrong one. Every kept output is also checked against
//! the file on disk, so hand-edited or deleted files in `site/` are rewritten.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::deps::Deps;
use crate::build::outputs::atom::EntryKey;
use crate::build::outputs::pages::ChatSummary;
use crate::build::outputs::sitemap::SitemapRef;
use crate::build::outputs::urls::{thread_page_parent, thread_page_path};
use crate::content::Ts;
use crate::file_stamp::Stamp;
use crate::fsio;

/// Bump when the state's meaning changes; a mismatch means a full build.
const FORMAT: u32 = 8;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BuildState {
    pub format: u32,
    /// The scrollback version that wrote it.
    pub version: String,
    /// Signature of the config and the theme's settings (and this version).
    pub global: u64,
    pub users: BTreeMap<String, Stamp>,
    /// Chat directory for mentions: channel id → (name, page URL).
    pub channels: BTreeMap<String, (String, Option<String>)>,
    pub emoji: BTreeMap<String, String>,
    /// Kept avatars: stem → site URL.
    #[serde(default)]
    pub avatars: BTreeMap<String, String>,
    pub hosted: BTreeMap<String, crate::build::chat::view::HostedFile>,
    /// Published chats, by slug.
    pub chats: BTreeMap<String, ChatRecord>,
    /// The site's own outputs (index, site-wide sitemap and feed, search manifest, static
    /// files); each chat's are in its record.
    pub outputs: OutputRecords,
}

/// Outputs by site-relative path: what each was made from and how it looked when written.
pub type OutputRecords = BTreeMap<String, OutputRecord>;

/// The same, hashed: a rebuild of a 100,000-message chat looks up its 15,000 pages, thread
/// pages and feed pages by path, where an ordered map's string comparisons cost more than the
/// rest of their bookkeeping (issue 15).
pub type HashedOutputRecords = rustc_hash::FxHashMap<String, OutputRecord>;

/// One published chat as last built.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatRecord {
    pub settings: Option<Stamp>,
    /// The chat's message files as last read: a signature of each one's ts and stamp, in ts
    /// order. A cold build only asks whether any file changed (if one did, the whole chat is read
    /// again), so one number serves where a stamp per file would cost a million entries in
    /// memory and on disk for a million-message project.
    pub files: u64,
    /// Names its messages looked up.
    pub deps: Deps,
    /// Signature of what every page of the chat shares (config, templates, header).
    pub context: u64,
    pub summary: ChatSummary,
    pub outputs: ChatOutputs,
    /// What the site's sitemap index and Atom feed take from it.
    pub discovery: ChatDiscovery,
}

/// A chat's outputs as its last build recorded them, in groups built side by side.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChatOutputs {
    /// Its pages, feeds, sitemaps and Atom feed.
    pub pages: HashedOutputRecords,
    /// Its thread pages.
    pub threads: ThreadRecords,
    /// Its part of the search index: ordered, as a segment's buckets are found by folder.
    pub search: OutputRecords,
}

/// A chat's thread pages as the last build wrote them, sorted by their thread's ts. Kept apart
/// from the other outputs and by ts, not by path: a rebuild of a 100,000-message chat matches
/// its 11,000 thread pages with a binary search each instead of a path and a hash lookup each,
/// which were a third of the rebuild (issue 15).
pub type ThreadRecords = Vec<ThreadRecord>;

/// One thread page: its thread's parent, and what it was made from and how it looked when
/// written. Its path follows from the chat and the ts ([`thread_page_path`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRecord {
    pub ts: Ts,
    pub sig: u64,
    pub stamp: Stamp,
}

/// The record of the thread page of `ts` among `records` (sorted by ts).
pub fn thread_record<'r>(records: &'r [ThreadRecord], ts: &Ts) -> Option<&'r ThreadRecord> {
    records
        .binary_search_by(|r| r.ts.cmp(ts))
        .ok()
        .map(|i| &records[i])
}

impl ChatOutputs {
    pub fn len(&self) -> usize {
        self.pages.len() + self.threads.len() + self.search.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the chat `slug` produced the output at `rel`.
    pub fn contains(&self, slug: &str, rel: &str) -> bool {
        self.pages.contains_key(rel)
            || self.search.contains_key(rel)
            || thread_page_parent(slug, rel)
                .is_some_and(|ts| thread_record(&self.threads, &ts).is_some())
    }

    /// Every output's site-relative path, for the chat `slug`.
    pub fn paths<'o>(&'o self, slug: &'o str) -> impl Iterator<Item = Cow<'o, str>> + 'o {
        let threads = self
            .threads
            .iter()
            .map(move |t| Cow::Owned(thread_page_path(slug, &t.ts)));
        self.pages
            .keys()
            .map(|p| Cow::Borrowed(p.as_str()))
            .chain(threads)
            .chain(self.search.keys().map(|p| Cow::Borrowed(p.as_str())))
    }

    pub fn into_paths(self, slug: &str) -> impl Iterator<Item = String> {
        let threads: Vec<String> = self
            .threads
            .iter()
            .map(|t| thread_page_path(slug, &t.ts))
            .collect();
        self.pages
            .into_keys()
            .chain(threads)
            .chain(self.search.into_keys())
    }
}

/// What the site-wide sitemap index and Atom feed need from a chat, so a chat that did not
/// change is not read again for them. Empty without a `base_url`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChatDiscovery {
    /// Its child sitemaps.
    pub sitemaps: Vec<SitemapRef>,
    /// The entries of its `atom.xml`, in order (newest first).
    pub entries: Vec<EntryKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub sig: u64,
    pub stamp: Stamp,
    /// Produced by the build running now (`site_builder::record`); false between builds.
    #[serde(skip)]
    pub claimed: bool,
}

impl BuildState {
    /// Reads the state; anything unreadable or from another version is an empty state.
    pub fn load(path: &Path) -> BuildState {
        let state: Option<BuildState> = fsio::read_optional(path)
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        match state {
            Some(s) if s.format == FORMAT && s.version == env!("CARGO_PKG_VERSION") => s,
            Some(_) => {
                tracing::info!("{} is from another version: full build", path.display());
                BuildState::default()
            }
            None => BuildState::default(),
        }
    }

    pub fn save(&mut self, path: &Path) -> anyhow::Result<()> {
        self.format = FORMAT;
        self.version = env!("CARGO_PKG_VERSION").to_owned();
        let bytes = serde_json::to_vec(self)?;
        fsio::write_atomic(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ts: &str) -> ThreadRecord {
        ThreadRecord {
            ts: Ts::parse(ts).unwrap(),
            sig: 1,
            stamp: Stamp {
                len: 1,
                mtime: 1,
                inode: 1,
            },
        }
    }

    #[test]
    fn a_chats_thread_pages_are_found_by_path_as_the_others_are() {
        let mut outputs = ChatOutputs::default();
        outputs.pages.insert(
            "sotu/page-1.html".into(),
            OutputRecord {
                sig: 1,
                stamp: record("1.000001").stamp,
                claimed: false,
            },
        );
        outputs.threads = vec![record("1520348645.000100"), record("1520348700.000200")];
        outputs.search.insert(
            "search/sotu/docs-1.json".into(),
            outputs.pages["sotu/page-1.html"],
        );
        assert_eq!(outputs.len(), 4);
        let paths: Vec<String> = outputs.paths("sotu").map(String::from).collect();
        assert_eq!(
            paths,
            [
                "sotu/page-1.html",
                "sotu/thread-1520348645-000100.html",
                "sotu/thread-1520348700-000200.html",
                "search/sotu/docs-1.json"
            ]
        );
        assert_eq!(
            outputs.clone().into_paths("sotu").collect::<Vec<_>>(),
            paths
        );
        for path in &paths {
            assert!(outputs.contains("sotu", path), "{path}");
        }
        // Another chat's, another thread's, or not a thread page's name at all.
        for other in [
            "other/thread-1520348645-000100.html",
            "sotu/thread-1520348645-000101.html",
            "sotu/thread-1520348645.000100.html",
            "sotu/thread-x.html",
            "sotu/sotu/thread-1520348645-000100.html",
            "sotu/page-2.html",
        ] {
            assert!(!outputs.contains("sotu", other), "{other}");
        }
        assert_eq!(
            thread_record(&outputs.threads, &Ts::parse("1520348700.000200").unwrap()),
            Some(&outputs.threads[1])
        );
        assert_eq!(
            thread_record(&outputs.threads, &Ts::parse("1520348700.0002").unwrap()),
            None,
            "another spelling is another page"
        );
    }
}
