//! Feed version 2: a chat's feed in pages, so one new message rewrites one small page and the
//! head instead of the whole chat (issue 15).
//!
//! Pages are cut by top-level places like the HTML's ([`Paging`]), with their own, smaller size
//! (`[feeds] page_size`), so pages never move: a new message lands on the newest page, and an
//! edit, reaction or deletion touches only the page that holds the message. The head
//! (`feed-index.json`) lists every page with its counts, its first and last ts and a version that
//! changes whenever the page does, so a reader refetches only the pages that changed. The shape
//! is a public interface documented in docs/feeds.md; JSONP wraps the same JSON
//! ([`super::feeds::jsonp`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::feed_files::FeedFile;
use super::pages::{ChatHeader, ChatSummary};
use crate::build::chat::messages::{self, Item, Top};
use crate::build::chat::paging::Paging;
use crate::build::incremental::signature::Signature;
use crate::content::Ts;

/// The paged feed's format version (`feed.json` is version 1).
pub const PAGED_FEED_VERSION: u32 = 2;

/// A page as the head lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageEntry {
    /// 1-based, as in `feed-page-N.json`.
    pub page: usize,
    /// Top-level messages on the page.
    pub messages: usize,
    /// Replies in those messages' threads.
    pub replies: usize,
    /// The ts of the page's oldest and newest top-level message (`null` on an empty chat's page).
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    /// Changes whenever the page's JSON does: a hash of what the page is made from, in hex.
    pub version: String,
}

/// A chat's messages, cut into feed pages like its HTML pages.
pub struct PagedFeed<'a> {
    pub header: &'a ChatHeader,
    pub tops: &'a [Top],
    pub items: &'a BTreeMap<Ts, Item>,
    /// Each top's signature ([`Top::sig`]), in the order of `tops`.
    pub top_sigs: &'a [u64],
    /// The feed's pages (cut with `[feeds] page_size`).
    pub paging: &'a Paging,
}

impl PagedFeed<'_> {
    /// The tops of page `n`.
    fn page_tops(&self, n: usize) -> &[Top] {
        &self.tops[self.paging.range(n)]
    }

    /// Every page, as the head lists it (an empty chat has one empty page, like its HTML).
    /// Every top and reply threading keeps has a view (published, or a tombstone with
    /// replies), so the page's counts come from the tops alone.
    pub fn entries(&self) -> Vec<PageEntry> {
        (1..=self.paging.count())
            .map(|n| {
                let tops = self.page_tops(n);
                let mut sig = Signature::new();
                sig.push_u64(u64::from(PAGED_FEED_VERSION));
                sig.push(&self.header.id);
                sig.push(&self.header.slug);
                sig.push_u64(n as u64);
                sig.push_u64s(self.top_sigs[self.paging.range(n)].iter().copied());
                PageEntry {
                    page: n,
                    messages: tops.len(),
                    replies: tops.iter().map(|t| t.replies.len()).sum(),
                    first_ts: tops.first().map(|t| t.ts.to_string()),
                    last_ts: tops.last().map(|t| t.ts.to_string()),
                    version: format!("{:016x}", sig.finish()),
                }
            })
            .collect()
    }

    fn view_json(&self, ts: &Ts) -> bool {
        self.items.get(ts).is_some_and(Item::has_view)
    }

    /// The JSON of page `n`:
    /// `{"version":2,"generator":"scrollback","channel":{"id","slug"},"page":n,"messages":[…]}`.
    /// Nothing in it changes with messages on other pages.
    pub fn page_json(&self, n: usize) -> Vec<u8> {
        let mut out = String::with_capacity(1 << 16);
        out.push_str(&format!(
            "{{\"version\":{PAGED_FEED_VERSION},\"generator\":\"scrollback\",\"channel\":"
        ));
        out.push_str(
            &serde_json::json!({ "id": self.header.id, "slug": self.header.slug }).to_string(),
        );
        out.push_str(&format!(",\"page\":{n},\"messages\":["));
        let mut first = true;
        for top in self.page_tops(n) {
            if !self.view_json(&top.ts) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            messages::nested_json(top, self.items, &mut out);
        }
        out.push_str("]}\n");
        out.into_bytes()
    }
}

/// What else the chat publishes, for the head to point at.
#[derive(Debug, Clone, Copy)]
pub struct Siblings {
    /// `feed.json` is published (`[feeds] whole_chat`).
    pub whole_chat: bool,
    /// `live.json` is published (the chat is live).
    pub live: bool,
}

/// Pages listed per group: the head lists the newest group's pages and one line per older
/// group, each of which `feed-index-G.json` lists, so a new message rewrites a head of a few KB
/// however many pages the chat has (issue 15). A new message rewrites the head, an edit the head
/// and its group: a group of 50 (~6.5 KB) keeps both smallest for chats of up to ~500,000
/// messages (a line per page is ~130 bytes, per group ~125); 100 cost an edit at 10,000
/// messages 44 KB of feed index instead of 23.
pub const PAGES_PER_GROUP: usize = 50;

/// An older group of pages, as the head lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEntry {
    /// 1-based, as in `feed-index-G.json`.
    pub group: usize,
    pub first_page: usize,
    pub last_page: usize,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    /// Changes whenever a page of the group does.
    pub version: String,
}

/// The paged feed's index: `entries` (every page) cut into groups.
pub struct Groups<'a> {
    entries: &'a [PageEntry],
}

impl<'a> Groups<'a> {
    pub fn new(entries: &'a [PageEntry]) -> Groups<'a> {
        Groups { entries }
    }

    /// How many groups there are (at least one).
    pub fn count(&self) -> usize {
        self.entries.len().div_ceil(PAGES_PER_GROUP).max(1)
    }

    /// The pages of group `g` (1-based).
    pub fn pages(&self, g: usize) -> &'a [PageEntry] {
        let start = ((g - 1) * PAGES_PER_GROUP).min(self.entries.len());
        let end = (start + PAGES_PER_GROUP).min(self.entries.len());
        &self.entries[start..end]
    }

    /// Groups before the newest, whose pages the head does not list itself.
    pub fn older(&self) -> Vec<GroupEntry> {
        (1..self.count())
            .map(|g| {
                let pages = self.pages(g);
                let mut sig = Signature::new();
                for p in pages {
                    sig.push(&p.version);
                }
                GroupEntry {
                    group: g,
                    first_page: pages.first().map_or(0, |p| p.page),
                    last_page: pages.last().map_or(0, |p| p.page),
                    first_ts: pages.iter().find_map(|p| p.first_ts.clone()),
                    last_ts: pages.iter().rev().find_map(|p| p.last_ts.clone()),
                    version: format!("{:016x}", sig.finish()),
                }
            })
            .collect()
    }

    /// The JSON of older group `g`, `feed-index-G.json`:
    /// `{"version":2,"generator":"scrollback","channel":{"id","slug"},"group":g,"pages":[…]}`.
    pub fn group_json(&self, header: &ChatHeader, g: usize) -> Vec<u8> {
        let doc = serde_json::json!({
            "version": PAGED_FEED_VERSION,
            "generator": "scrollback",
            "channel": { "id": header.id, "slug": header.slug },
            "group": g,
            "pages": self.pages(g),
        });
        let mut out = serde_json::to_vec(&doc).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    generator: &'static str,
    channel: &'a ChatSummary,
    page_size: usize,
    page_count: usize,
    pages_per_group: usize,
    groups: Vec<GroupEntry>,
    pages: &'a [PageEntry],
    whole_chat: Option<String>,
    live: Option<String>,
}

/// The JSON of the head, `feed-index.json`: the chat's metadata, its older groups of pages and
/// the newest group's pages.
pub fn head_json(
    summary: &ChatSummary,
    page_size: usize,
    groups: &Groups<'_>,
    siblings: Siblings,
) -> Vec<u8> {
    let head = Head {
        version: PAGED_FEED_VERSION,
        generator: "scrollback",
        channel: summary,
        page_size: page_size.max(1),
        page_count: groups.entries.len(),
        pages_per_group: PAGES_PER_GROUP,
        groups: groups.older(),
        pages: groups.pages(groups.count()),
        whole_chat: siblings.whole_chat.then(|| FeedFile::Json.name()),
        live: siblings.live.then(|| FeedFile::LiveJson.name()),
    };
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.push(b'\n');
    out
}
