//! One chat, from its message files to the ordered, threaded list of published messages.
//!
//! What is published is decided here and nowhere else: deleted, hidden, held (new in an archived
//! chat) and comment-tagged messages, and membership notices, never reach a page or a feed. Each message file becomes an
//! [`Item`] (rendered once, kept while it does not change); [`structure`] threads the items.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::view::{MessageView, ViewContext, is_tombstone};
use crate::build::incremental::deps::{Deps, TrackingLookup};
use crate::build::incremental::signature::{Signature, hash};
use crate::config::Config;
use crate::content::tokens::{strip_tokens, strip_tokens_in};
use crate::content::{MessageRecord, Ts};
use crate::file_stamp::Stamp;

/// How a message appears on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Visibility {
    Published,
    /// Deleted, but its replies are published: shown as "This message was deleted."
    Tombstone,
    Unpublished,
}

/// Decides whether a record is published (replies to tombstones are decided by [`structure`]).
pub fn visibility(record: &MessageRecord, config: &Config) -> Visibility {
    if record.hidden || record.held || is_comment(record, &config.comment_tag) {
        return Visibility::Unpublished;
    }
    if is_tombstone(record) {
        return Visibility::Tombstone;
    }
    match record.subtype() {
        Some(sub) if config.hidden_subtypes.iter().any(|h| h == sub) => Visibility::Unpublished,
        _ => Visibility::Published,
    }
}

/// Whether the message's text starts with the comment tag. Slack escapes `<`, `>` and `&` in
/// text, so the default tag `<#>` arrives as `&lt;#&gt;`; both spellings count.
pub fn is_comment(record: &MessageRecord, tag: &str) -> bool {
    let text = record.text().trim_start();
    if text.starts_with(tag) {
        return true;
    }
    let mut escaped = String::with_capacity(tag.len() + 8);
    for c in tag.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    text.starts_with(&escaped)
}

/// One message file, read and (when published) rendered.
#[derive(Debug, Clone)]
pub struct Item {
    pub ts: Ts,
    pub stamp: Stamp,
    pub visibility: Visibility,
    /// The thread parent, for replies.
    pub parent: Option<Ts>,
    /// A reply also sent to the channel.
    pub broadcast: bool,
    /// Whether the message keeps a place in its chat's pages even while not shown: published,
    /// deleted (a tombstone) or hidden by an editor. Pages are cut by these places, so a
    /// deletion or a hide empties a place instead of moving every later message back one
    /// (issue 15). Comment-tagged, held and membership messages never had a public place.
    pub holds_place: bool,
    /// When it last changed, as far as its record tells (microseconds; see
    /// [`MessageRecord::activity`]): orders the live feed.
    pub activity: u64,
    /// The view (without its thread) and its JSON, for published messages and tombstones.
    pub view: Option<(MessageView, String)>,
    /// The hash of that JSON, taken once when the file is read: every build signs every page
    /// from its messages, and hashing a long chat's JSON each time cost more than the rest of a
    /// rebuild (issue 15).
    pub json_hash: Option<u64>,
    /// Pinned by an editor (published messages only): shown above every page.
    pub pinned: bool,
    /// When its view last changed (its time, last edit or correction; Unix seconds), for the
    /// sitemaps' `lastmod`. `None` without a view.
    pub updated: Option<i64>,
    pub deps: Deps,
    /// Restored from the chat index (`incremental::chat_index`) without reading its file: every
    /// field above but `view` and `deps` is known. A cold build reads the file only when an
    /// output it renders shows the message (issue 15).
    pub from_index: bool,
}

impl Item {
    /// Whether the message has a view (published, or a tombstone), read or not yet.
    pub fn has_view(&self) -> bool {
        self.visibility != Visibility::Unpublished
    }

    /// Whether its view must still be read from its file before an output shows it.
    pub fn view_pending(&self) -> bool {
        self.from_index && self.has_view()
    }
}

/// Reads and renders one message file.
pub fn load_item(path: &Path, config: &Config, cx: &ViewContext<'_>) -> Result<Item> {
    // One open, one fstat, one read: a build reads every message file.
    let read = || -> std::io::Result<(std::fs::Metadata, Vec<u8>)> {
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        // Exactly the size fstat gave: no second read to find the end (a syscall per message).
        let mut bytes = vec![0; meta.len() as usize];
        std::io::Read::read_exact(&mut file, &mut bytes)?;
        Ok((meta, bytes))
    };
    let (meta, bytes) = read().with_context(|| format!("cannot read {}", path.display()))?;
    let mut record: MessageRecord = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a valid message file", path.display()))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != record.ts.as_str() {
        bail!(
            "{}: the file is named {stem} but holds message ts {}; a message file must be named by its ts",
            path.display(),
            record.ts
        );
    }
    let visibility = visibility(&record, config);
    let parent = record.thread_ts().filter(|t| *t != record.ts);
    let broadcast = record.subtype() == Some("thread_broadcast");
    let holds_place = visibility != Visibility::Unpublished || record.hidden;
    let activity = record.activity();
    // The store strips tokens on the way in; a tree written by an older version (or edited by
    // hand) may still hold some, and none may reach the site.
    let mut slack = serde_json::Value::Object(std::mem::take(&mut record.slack));
    strip_tokens(&mut slack);
    if let Some(text) = record.override_text.as_mut() {
        strip_tokens_in(text);
    }
    let lookup = TrackingLookup::new(cx.names);
    let view = (visibility != Visibility::Unpublished).then(|| {
        let view = MessageView::new(&record, &slack, cx, &lookup);
        let json = serde_json::to_string(&view).unwrap_or_default();
        (view, json)
    });
    let json_hash = view.as_ref().map(|(_, json)| hash(json.as_bytes()));
    Ok(Item {
        json_hash,
        pinned: view.as_ref().is_some_and(|(v, _)| v.pinned),
        updated: view.as_ref().map(|(v, _)| v.updated()),
        from_index: false,
        parent,
        broadcast,
        holds_place,
        activity,
        ts: record.ts,
        stamp: Stamp::of(&meta),
        visibility,
        view,
        deps: lookup.into_deps(),
    })
}

/// The message files of a chat folder: ts → path. Other files (editors' temporaries) are skipped.
pub fn list_messages(dir: &Path) -> Result<BTreeMap<Ts, std::path::PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in crate::fsio::dir_entries(dir)? {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        match Ts::parse(stem) {
            Ok(ts) => {
                out.insert(ts, path);
            }
            // Editors' and tools' temporary files are not messages.
            Err(_) if stem.starts_with('.') || stem.ends_with('~') => {}
            Err(_) => bail!(
                "{} is not a message file: message files are named by their Slack ts, like 1517365800.000100.json",
                path.display()
            ),
        }
    }
    Ok(out)
}

/// A top-level message of a chat page with its thread, and what every output of the chat
/// needs to know of them, gathered while threading (issue 15: each output looking its messages
/// up again, 100,000 lookups a pass, was most of a rebuild of a long chat).
#[derive(Debug, Clone, PartialEq)]
pub struct Top {
    pub ts: Ts,
    pub replies: Vec<Ts>,
    /// Its place among the chat's top-level places (see [`Item::holds_place`]), from 0: what
    /// cuts pages.
    pub place: usize,
    /// Published, rather than a tombstone shown for its replies.
    pub published: bool,
    /// The signature of the message with its thread (their JSON): what pages, feeds and the
    /// search index sign it by.
    pub sig: u64,
    /// When the message or one of its replies last changed (Unix seconds): sitemaps' `lastmod`.
    pub updated: Option<i64>,
    /// When it was last active, or (with replies shown) any reply to it, published or not: a
    /// removed reply must reach live pages through its parent's new thread. Orders the live feed.
    pub activity: u64,
}

/// A top-level message the pages do not show (unpublished, a tombstone without replies, an
/// unpublished broadcast): live pages must still learn it is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct Unshown {
    pub ts: Ts,
    /// When it or any reply to it was last active.
    pub activity: u64,
}

/// A chat's published structure.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    pub tops: Vec<Top>,
    /// Published messages, replies included (tombstones and broadcast copies excluded).
    pub count: usize,
    /// Top-level places, shown or not: pages are cut by them.
    pub places: usize,
    /// Top-level messages not in `tops`, in ts order.
    pub unshown: Vec<Unshown>,
    /// The shown messages (replies too) editors pinned, oldest first: what themes show above a
    /// chat's messages (issue 14).
    pub pinned: Vec<Ts>,
}

/// Threads the items of a chat.
///
/// Replies go under their parent when the parent is published or a tombstone; replies to a
/// comment-tagged or hidden parent stay private with it; replies whose parent is not in the
/// tree at all are shown at the top level. A `thread_broadcast` also shows at the top level,
/// as Slack shows it in the channel. Tombstones show only when some reply is published.
pub fn structure(items: &BTreeMap<Ts, Item>) -> Structure {
    // Runs over the whole chat on every build: Fx hashing, no lookups by ts but of parents,
    // and merges instead of maps of places (issue 15).
    let mut replies: FxHashMap<&Ts, Vec<&Item>> = FxHashMap::default();
    // The most recent activity of any reply to a message, published or not.
    let mut thread_activity: FxHashMap<&Ts, u64> = FxHashMap::default();
    // Each top, and whether it is a thread's parent (a broadcast reply is not).
    let mut tops: Vec<(&Item, bool)> = Vec::new();
    let mut count = 0;
    for item in items.values() {
        if let Some(parent) = &item.parent {
            let a = thread_activity.entry(parent).or_default();
            *a = (*a).max(item.activity);
        }
        if item.visibility != Visibility::Published {
            continue;
        }
        count += 1;
        match &item.parent {
            Some(parent) => match items.get(parent).map(|p| p.visibility) {
                Some(Visibility::Unpublished) => count -= 1,
                Some(_) => {
                    replies.entry(parent).or_default().push(item);
                    if item.broadcast {
                        tops.push((item, false));
                    }
                }
                None => tops.push((item, false)),
            },
            None => tops.push((item, true)),
        }
    }
    for item in items.values() {
        if item.visibility == Visibility::Tombstone && replies.contains_key(&item.ts) {
            tops.push((item, item.parent.is_none()));
        }
    }
    tops.sort_unstable_by(|a, b| a.0.ts.cmp(&b.0.ts));
    let top_level = |item: &Item| match &item.parent {
        None => true,
        Some(parent) => item.broadcast || !items.contains_key(parent),
    };
    // Places, in ts order: every top-level message that holds one. Tops are a subset, in the
    // same order, so one merge numbers them; another finds the top-level messages not shown.
    let mut holders = items
        .values()
        .filter(|item| item.holds_place && top_level(item))
        .map(|item| &item.ts)
        .enumerate();
    let mut places = 0;
    let mut pinned = Vec::new();
    let tops: Vec<Top> = tops
        .into_iter()
        .map(|(item, parent)| {
            let place = holders
                .by_ref()
                .find(|(_, holder)| **holder == item.ts)
                .map_or(places, |(place, _)| place);
            places = place + 1;
            let thread = if parent {
                replies.remove(&item.ts).unwrap_or_default()
            } else {
                Vec::new()
            };
            let mut sig = Signature::new();
            for h in std::iter::once(item)
                .chain(thread.iter().copied())
                .filter_map(|i| i.json_hash)
            {
                sig.push_u64(h);
            }
            let updated = std::iter::once(item)
                .chain(thread.iter().copied())
                .filter_map(|i| i.updated)
                .max();
            pinned.extend(
                std::iter::once(item)
                    .chain(thread.iter().copied())
                    .filter(|i| i.pinned)
                    .map(|i| i.ts.clone()),
            );
            let activity = if thread.is_empty() {
                item.activity
            } else {
                item.activity
                    .max(thread_activity.get(&item.ts).copied().unwrap_or(0))
            };
            Top {
                ts: item.ts.clone(),
                replies: thread.iter().map(|r| r.ts.clone()).collect(),
                place,
                published: item.visibility == Visibility::Published,
                sig: sig.finish(),
                updated,
                activity,
            }
        })
        .collect();
    let places = places + holders.count();
    let mut shown = tops.iter().map(|t| &t.ts).peekable();
    let unshown = items
        .values()
        .filter(|item| top_level(item))
        .filter(|item| {
            while shown.next_if(|ts| **ts < item.ts).is_some() {}
            shown.next_if(|ts| **ts == item.ts).is_none()
        })
        .map(|item| Unshown {
            ts: item.ts.clone(),
            activity: item
                .activity
                .max(thread_activity.get(&item.ts).copied().unwrap_or(0)),
        })
        .collect();
    // A broadcast reply is both a top and a reply: listed once.
    pinned.sort_unstable();
    pinned.dedup();
    Structure {
        tops,
        count,
        places,
        unshown,
        pinned,
    }
}

/// A top-level message's view with its thread, for templates.
pub fn nested_view(top: &Top, items: &BTreeMap<Ts, Item>) -> Option<MessageView> {
    let mut view = items.get(&top.ts)?.view.as_ref()?.0.clone();
    view.thread = top
        .replies
        .iter()
        .filter_map(|r| items.get(r)?.view.as_ref().map(|(v, _)| v.clone()))
        .collect();
    Some(view)
}

/// A top-level message's JSON with its thread, as in the feed. The view's JSON ends with its
/// empty `"thread":[]` (the last field of [`MessageView`]), which is filled in here.
pub fn nested_json(top: &Top, items: &BTreeMap<Ts, Item>, out: &mut String) {
    let Some((_, json)) = items.get(&top.ts).and_then(|i| i.view.as_ref()) else {
        return;
    };
    let Some(head) = json.strip_suffix("[]}") else {
        out.push_str(json);
        return;
    };
    out.push_str(head);
    out.push('[');
    let mut first = true;
    for r in &top.replies {
        if let Some((_, reply)) = items.get(r).and_then(|i| i.view.as_ref()) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(reply);
        }
    }
    out.push_str("]}");
}

/// The views of the [`Structure::pinned`] messages, each with its JSON.
pub fn pinned<'a>(pinned: &[Ts], items: &'a BTreeMap<Ts, Item>) -> Vec<(MessageView, &'a str)> {
    pinned
        .iter()
        .filter_map(|ts| items.get(ts)?.view.as_ref())
        .map(|(view, json)| (view.clone(), json.as_str()))
        .collect()
}
