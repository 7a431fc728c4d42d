//! One chat's part of the search index: its docs blocks and its segments' bucket files, each
//! with the signature of what it is made from, so the build renders only those whose messages
//! changed.
//!
//! A docs block (`docs-B.json`) is a JSON array of `[ts, anchor, page, author, text]`, one per
//! published message of [`DOC_BLOCK`] top-level places (a thread's replies follow their parent;
//! `page` is the HTML page that shows it). A bucket (`sS/bK.json`) is a JSON object from term to
//! a flat list of `block, index` pairs: the messages whose text holds the term.

use std::collections::BTreeMap;
use std::ops::Range;

use super::terms::{bucket_of, terms};
use super::{BUCKETS, DIR, DOC_BLOCK, Segments};
use crate::build::chat::messages::{Item, Top, Visibility};
use crate::build::chat::paging::Paging;
use crate::build::chat::view::MessageView;
use crate::build::incremental::signature::Signature;
use crate::content::{Slug, Ts};

/// The longest text a result carries (characters); the index holds every word of the message.
const SHOWN_CHARS: usize = 1000;

/// A chat's messages, as the index needs them.
///
/// Which messages a block holds, and so every doc's index in its block and every signature, is
/// decided from what the chat index (`incremental::chat_index`) keeps: visibility and threads,
/// no views. A cold build can then plan which files are stale and read only the views those
/// show ([`Self::block_tops`], [`Self::segment_tops`]); only rendering needs views.
pub struct ChatSearch<'a> {
    slug: &'a Slug,
    tops: &'a [Top],
    items: &'a BTreeMap<Ts, Item>,
    /// Each top's signature (`Top::sig`), in the order of `tops`.
    top_sigs: &'a [u64],
    /// The chat's HTML pages.
    pages: &'a Paging,
    /// Its docs blocks, cut by places like the pages.
    blocks: &'a Paging,
    segments: Segments,
}

/// How a chat's index files are cut: computed once per build of the chat, for planning and
/// rendering (a [`ChatSearch`] borrows the messages, which a cold build reads in between).
pub struct SearchLayout {
    /// The docs blocks, cut by places as the pages are ([`DOC_BLOCK`] places each).
    pub blocks: Paging,
    pub segments: Segments,
}

impl SearchLayout {
    /// `places` as the chat's pages were cut (`messages::Structure`).
    pub fn new(tops: &[Top], places: usize, config: &crate::config::Config) -> SearchLayout {
        SearchLayout {
            blocks: Paging::cut(tops, places, DOC_BLOCK),
            segments: Segments::new(config),
        }
    }
}

/// One indexed message: where it is and what it says.
struct Doc<'a> {
    /// Which of the chat's tops it is or belongs to.
    top: usize,
    item: &'a Item,
}

impl<'a> Doc<'a> {
    /// Its view: read for every doc of a file that renders (a cold build reads the views of
    /// [`ChatSearch::block_tops`] and [`ChatSearch::segment_tops`] before rendering).
    fn view(&self) -> Option<&'a MessageView> {
        let view = self.item.view.as_deref().map(|(view, _)| view);
        debug_assert!(
            view.is_some(),
            "search doc {} rendered unread",
            self.item.ts
        );
        view
    }
}

impl<'a> ChatSearch<'a> {
    pub fn new(
        slug: &'a Slug,
        tops: &'a [Top],
        items: &'a BTreeMap<Ts, Item>,
        top_sigs: &'a [u64],
        pages: &'a Paging,
        layout: &'a SearchLayout,
    ) -> ChatSearch<'a> {
        ChatSearch {
            slug,
            tops,
            items,
            top_sigs,
            pages,
            blocks: &layout.blocks,
            segments: layout.segments,
        }
    }

    pub fn block_count(&self) -> usize {
        self.blocks.count()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.count(self.pages.count())
    }

    /// Site path of docs block `b`.
    pub fn block_path(&self, b: usize) -> String {
        format!("{DIR}/{}/docs-{b}.json", self.slug)
    }

    /// The folder of segment `s`'s buckets, with its trailing `/`.
    pub fn segment_dir(&self, s: usize) -> String {
        format!("{DIR}/{}/s{s}/", self.slug)
    }

    /// Site path of bucket `k` of segment `s`.
    pub fn bucket_path(&self, s: usize, k: u32) -> String {
        format!("{}b{k}.json", self.segment_dir(s))
    }

    /// Whether block `b` holds a published message (only those blocks have a file).
    pub fn block_has_docs(&self, b: usize) -> bool {
        self.docs_in(self.blocks.range(b)).next().is_some()
    }

    /// What block `b`'s file is made from: `global`, the chat and each of its tops with its
    /// thread and place (which decides its page).
    pub fn block_signature(&self, global: u64, b: usize) -> u64 {
        let mut sig = self.signature_head(global, "block", b);
        self.sign_tops(&mut sig, self.blocks.range(b));
        sig.finish()
    }

    /// Docs block `b`'s JSON.
    pub fn block_json(&self, b: usize) -> Vec<u8> {
        let docs: Vec<(&str, &str, usize, &str, String)> = self
            .docs_in(self.blocks.range(b))
            .filter_map(|d| {
                let view = d.view()?;
                Some((
                    view.ts.as_str(),
                    view.anchor.as_str(),
                    self.pages.page_of(d.top),
                    view.user.name.as_str(),
                    shown_text(view),
                ))
            })
            .collect();
        json_line(&docs)
    }

    /// What segment `s`'s buckets are made from: the tops of every block it overlaps (a doc's
    /// index counts the block's earlier messages), with their places.
    pub fn segment_signature(&self, global: u64, s: usize) -> u64 {
        let mut sig = self.signature_head(global, "segment", s);
        let range = self.segment_tops(s);
        sig.push_u64(range.start as u64);
        sig.push_u64(range.end as u64);
        for b in self.blocks_over(&range) {
            sig.push_u64(b as u64);
            self.sign_tops(&mut sig, self.blocks.range(b));
        }
        sig.finish()
    }

    /// Segment `s`'s non-empty buckets: bucket number and JSON.
    pub fn segment_buckets(&self, s: usize) -> Vec<(u32, Vec<u8>)> {
        let range = self.segment_tops(s);
        let mut buckets: BTreeMap<u32, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
        for b in self.blocks_over(&range) {
            for (index, doc) in self.docs_in(self.blocks.range(b)).enumerate() {
                if !range.contains(&doc.top) {
                    continue;
                }
                let Some(view) = doc.view() else { continue };
                for term in terms(&indexed_text(view)) {
                    buckets
                        .entry(bucket_of(&term, BUCKETS))
                        .or_default()
                        .entry(term)
                        .or_default()
                        .extend([b as u32, index as u32]);
                }
            }
        }
        buckets
            .into_iter()
            .map(|(k, postings)| (k, json_line(&postings)))
            .collect()
    }

    /// The tops block `b` shows: their views must be read before it renders.
    pub fn block_tops(&self, b: usize) -> Range<usize> {
        self.blocks.range(b)
    }

    /// The tops on segment `s`'s HTML pages: their views must be read before its buckets render
    /// (a doc's index in its block is decided without views).
    pub fn segment_tops(&self, s: usize) -> Range<usize> {
        let first = (s - 1) * self.segments.pages + 1;
        let last = (s * self.segments.pages).min(self.pages.count());
        let range = self.pages.range(first).start..self.pages.range(last).end;
        if range.start > range.end {
            return range.start..range.start;
        }
        range
    }

    /// The blocks holding some of `tops`.
    fn blocks_over(&self, tops: &Range<usize>) -> Range<usize> {
        if tops.is_empty() {
            return 0..0;
        }
        self.blocks.page_of(tops.start)..self.blocks.page_of(tops.end - 1) + 1
    }

    /// The published messages of `tops`, in page order: each top, then its replies (a reply
    /// also sent to the channel is indexed once, where the channel shows it).
    fn docs_in(&self, tops: Range<usize>) -> impl Iterator<Item = Doc<'a>> {
        let items = self.items;
        let all = self.tops;
        tops.flat_map(move |i| {
            let top = &all[i];
            let top_doc = published(items.get(&top.ts)).map(|item| Doc { top: i, item });
            let replies = top.replies.iter().filter_map(move |ts| {
                let item = items.get(ts).filter(|item| !item.broadcast);
                published(item).map(|item| Doc { top: i, item })
            });
            top_doc.into_iter().chain(replies)
        })
    }

    fn signature_head(&self, global: u64, kind: &str, n: usize) -> Signature {
        let mut sig = Signature::new();
        sig.push_u64(global);
        sig.push(self.slug.as_str());
        sig.push(kind);
        sig.push_u64(n as u64);
        sig.push_u64(self.segments.pages as u64);
        sig
    }

    fn sign_tops(&self, sig: &mut Signature, tops: Range<usize>) {
        sig.push_u64s(tops.flat_map(|i| [self.top_sigs[i], self.tops[i].place as u64]));
    }
}

/// A published message (never a tombstone, a comment-tagged, hidden or held one).
fn published(item: Option<&Item>) -> Option<&Item> {
    item.filter(|i| i.visibility == Visibility::Published)
}

/// What readers see of a message as text: its text and its files' titles.
fn indexed_text(view: &MessageView) -> String {
    let mut text = view.text.clone();
    for file in &view.files {
        let title = if file.title.trim().is_empty() {
            &file.name
        } else {
            &file.title
        };
        text.push('\n');
        text.push_str(title);
    }
    text
}

/// The text a result shows (cut at [`SHOWN_CHARS`]).
fn shown_text(view: &MessageView) -> String {
    let text = indexed_text(view);
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn json_line<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec(value).unwrap_or_default();
    out.push(b'\n');
    out
}
