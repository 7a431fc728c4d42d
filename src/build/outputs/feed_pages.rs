//! Feed version 2: a chat's feed in pages, so one new message rewrites one small page and the
//! head instead of the whole chat (issue 15).
//!
//! Page N holds the same top-level messages (threads inside their parent) as page N of the
//! chat's HTML, so pages never move: a new message lands on the newest page, and an edit,
//! reaction or deletion touches only the page that holds the message. The head
//! (`feed-index.json`) lists every page with its counts, its first and last ts and a version that
//! changes whenever the page does, so a reader refetches only the pages that changed. The shape
//! is a public interface documented in docs/feeds.md; JSONP wraps the same JSON
//! ([`super::feeds::jsonp`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::feed_files::FeedFile;
use super::pages::{ChatHeader, ChatSummary, page_count};
use crate::build::chat::messages::{self, Item, Top};
use crate::build::incremental::signature::Signature;
use crate::content::Ts;

/// The paged feed's format version (`feed.json` is version 1).
pub const PAGED_FEED_VERSION: u32 = 2;

/// A page as the head lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageEntry {
    /// 1-based, as `feed-page-N.json` and the HTML's `page-N.html`.
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
    /// Each top's [`messages::top_signature`], in the order of `tops`.
    pub top_sigs: &'a [u64],
    /// Top-level messages per page (`page_size`).
    pub size: usize,
}

impl PagedFeed<'_> {
    fn size(&self) -> usize {
        self.size.max(1)
    }

    /// The tops of page `n`.
    fn page_tops(&self, n: usize) -> &[Top] {
        let start = ((n - 1) * self.size()).min(self.tops.len());
        let end = (start + self.size()).min(self.tops.len());
        &self.tops[start..end]
    }

    /// Every page, as the head lists it (an empty chat has one empty page, like its HTML).
    pub fn entries(&self) -> Vec<PageEntry> {
        (1..=page_count(self.tops.len(), self.size))
            .map(|n| {
                let tops = self.page_tops(n);
                let shown: Vec<&Top> = tops.iter().filter(|t| self.view_json(&t.ts)).collect();
                let start = (n - 1) * self.size();
                let mut sig = Signature::new();
                sig.push_u64(u64::from(PAGED_FEED_VERSION));
                sig.push(&self.header.id);
                sig.push(&self.header.slug);
                sig.push_u64(n as u64);
                for s in self.top_sigs.iter().skip(start).take(tops.len()) {
                    sig.push_u64(*s);
                }
                PageEntry {
                    page: n,
                    messages: shown.len(),
                    replies: shown
                        .iter()
                        .map(|t| t.replies.iter().filter(|r| self.view_json(r)).count())
                        .sum(),
                    first_ts: shown.first().map(|t| t.ts.to_string()),
                    last_ts: shown.last().map(|t| t.ts.to_string()),
                    version: format!("{:016x}", sig.finish()),
                }
            })
            .collect()
    }

    fn view_json(&self, ts: &Ts) -> bool {
        self.items.get(ts).is_some_and(|i| i.view.is_some())
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

#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    generator: &'static str,
    channel: &'a ChatSummary,
    page_size: usize,
    pages: &'a [PageEntry],
    whole_chat: Option<String>,
    live: Option<String>,
}

/// The JSON of the head, `feed-index.json`: the chat's metadata and its pages.
pub fn head_json(
    summary: &ChatSummary,
    page_size: usize,
    pages: &[PageEntry],
    siblings: Siblings,
) -> Vec<u8> {
    let head = Head {
        version: PAGED_FEED_VERSION,
        generator: "scrollback",
        channel: summary,
        page_size: page_size.max(1),
        pages,
        whole_chat: siblings.whole_chat.then(|| FeedFile::Json.name()),
        live: siblings.live.then(|| FeedFile::LiveJson.name()),
    };
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.push(b'\n');
    out
}
