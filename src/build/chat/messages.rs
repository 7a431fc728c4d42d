//! One chat, from its message files to the ordered, threaded list of published messages.
//!
//! What is published is decided here and nowhere else: deleted, hidden, held (new in an archived
//! chat) and comment-tagged messages, and membership notices, never reach a page or a feed. Each message file becomes an
//! [`Item`] (rendered once, kept while it does not change); [`structure`] threads the items.

use std::collections::BTreeMap;

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::view::{MessageView, ViewContext, is_tombstone};
use crate::build::incremental::deps::{Deps, TrackingLookup};
use crate::build::incremental::signature::{chain, hash};
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
    // Runs over the whole chat on every build (issue 15): two passes over the messages in ts
    // order, by index, with one lookup per reply (its parent) and no maps.
    const NONE: usize = usize::MAX;
    let all: Vec<&Item> = items.values().collect();
    let n = all.len();
    // Parents are found in the keys alone, side by side in memory, not through every item.
    let keys: Vec<u64> = all.iter().map(|i| i.ts.micros()).collect();
    let index_of = |ts: &Ts| {
        let first = keys.partition_point(|&k| k < ts.micros());
        // Two spellings of one instant share a key.
        (first..n)
            .take_while(|&i| keys[i] == ts.micros())
            .find(|&i| all[i].ts == *ts)
    };
    // The most recent activity of any reply to each message, published or not.
    let mut thread_activity = vec![0u64; n];
    // Each message's published replies, in ts order, as linked lists (first, last, next).
    let (mut first_reply, mut last_reply, mut next_reply) =
        (vec![NONE; n], vec![NONE; n], vec![NONE; n]);
    // Whether it sits at the top level (no parent, a broadcast, or a parent not in the tree),
    // and whether it shows there as a published top.
    let mut top_level = vec![false; n];
    let mut shown_top = vec![false; n];
    let mut count = 0;
    for (i, item) in all.iter().enumerate() {
        let parent = item.parent.as_ref().map(index_of);
        if let Some(Some(p)) = parent {
            thread_activity[p] = thread_activity[p].max(item.activity);
        }
        top_level[i] = match parent {
            None | Some(None) => true,
            Some(Some(_)) => item.broadcast,
        };
        if item.visibility != Visibility::Published {
            continue;
        }
        match parent {
            None | Some(None) => {
                count += 1;
                shown_top[i] = true;
            }
            // Replies to a comment-tagged or hidden parent stay private with it.
            Some(Some(p)) if all[p].visibility == Visibility::Unpublished => {}
            Some(Some(p)) => {
                count += 1;
                if last_reply[p] == NONE {
                    first_reply[p] = i;
                } else {
                    next_reply[last_reply[p]] = i;
                }
                last_reply[p] = i;
                shown_top[i] = item.broadcast;
            }
        }
    }

    let mut tops = Vec::new();
    let mut unshown = Vec::new();
    let mut pinned = Vec::new();
    // Top-level places, in ts order: every top-level message that holds one.
    let mut places = 0;
    for (i, item) in all.iter().enumerate() {
        let holder = item.holds_place && top_level[i];
        // A tombstone shows while some reply to it is published.
        let tombstone = item.visibility == Visibility::Tombstone && first_reply[i] != NONE;
        if shown_top[i] || tombstone {
            // Only a message without a parent shows its thread: a broadcast reply shows at the
            // top level without one, as does a reply whose parent is not in the tree.
            let thread: Vec<&Item> = if item.parent.is_none() {
                std::iter::successors(Some(first_reply[i]).filter(|&r| r != NONE), |&r| {
                    Some(next_reply[r]).filter(|&r| r != NONE)
                })
                .map(|r| all[r])
                .collect()
            } else {
                Vec::new()
            };
            let messages = || std::iter::once(*item).chain(thread.iter().copied());
            pinned.extend(messages().filter(|i| i.pinned).map(|i| i.ts.clone()));
            tops.push(Top {
                ts: item.ts.clone(),
                replies: thread.iter().map(|r| r.ts.clone()).collect(),
                place: places,
                published: item.visibility == Visibility::Published,
                sig: chain(messages().filter_map(|i| i.json_hash)),
                updated: messages().filter_map(|i| i.updated).max(),
                activity: if thread.is_empty() {
                    item.activity
                } else {
                    item.activity.max(thread_activity[i])
                },
            });
        } else if top_level[i] {
            unshown.push(Unshown {
                ts: item.ts.clone(),
                activity: item.activity.max(thread_activity[i]),
            });
        }
        if holder {
            places += 1;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A message as the chat index keeps it: `(ts seconds, parent seconds, visibility)`.
    fn item(secs: u64, parent: Option<u64>, visibility: Visibility) -> Item {
        let ts = |s: u64| Ts::from_micros(s * 1_000_000);
        Item {
            ts: ts(secs),
            stamp: Stamp {
                len: 1,
                mtime: 0,
                inode: secs,
            },
            visibility,
            parent: parent.map(ts),
            broadcast: false,
            holds_place: visibility != Visibility::Unpublished,
            activity: secs * 10,
            view: None,
            json_hash: (visibility != Visibility::Unpublished).then_some(secs),
            pinned: false,
            updated: (visibility != Visibility::Unpublished).then_some(secs as i64),
            deps: Deps::default(),
            from_index: true,
        }
    }

    #[test]
    fn threading_gathers_what_every_output_needs() {
        use Visibility::*;
        let mut items: Vec<Item> = vec![
            item(1, None, Published),
            item(2, Some(1), Published),
            // An unpublished reply: not shown, but its activity reaches its parent.
            item(3, Some(1), Unpublished),
            item(4, None, Unpublished),
            // A reply to a comment-tagged parent stays private with it.
            item(5, Some(4), Published),
            // A reply whose parent is not in the tree shows at the top level.
            item(6, Some(99), Published),
            // A tombstone with a published reply shows; one without does not.
            item(7, None, Tombstone),
            item(8, Some(7), Published),
            item(9, None, Tombstone),
            // A broadcast reply: in its thread and at the top level.
            item(10, Some(1), Published),
        ];
        items[9].broadcast = true;
        items[9].pinned = true;
        let items: BTreeMap<Ts, Item> = items.into_iter().map(|i| (i.ts.clone(), i)).collect();
        let s = structure(&items);

        let secs = |ts: &Ts| ts.seconds();
        let tops: Vec<(i64, Vec<i64>, usize)> = s
            .tops
            .iter()
            .map(|t| (secs(&t.ts), t.replies.iter().map(secs).collect(), t.place))
            .collect();
        assert_eq!(
            tops,
            [
                (1, vec![2, 10], 0),
                (6, vec![], 1),
                (7, vec![8], 2),
                (10, vec![], 4)
            ]
        );
        // Published: 1, 2, 6, 8, 10 (not 5, behind its private parent).
        assert_eq!(s.count, 5);
        // Places: 1, 6, 7, 9 (a tombstone keeps its place), 10.
        assert_eq!(s.places, 5);
        let unshown: Vec<(i64, u64)> = s
            .unshown
            .iter()
            .map(|u| (secs(&u.ts), u.activity))
            .collect();
        assert_eq!(unshown, [(4, 50), (9, 90)]);
        assert_eq!(s.pinned.iter().map(secs).collect::<Vec<_>>(), [10]);

        let first = &s.tops[0];
        assert!(first.published && !s.tops[2].published);
        // The thread's most recent activity, the unpublished reply's included.
        assert_eq!((first.activity, first.updated), (100, Some(10)));
        assert_eq!(first.sig, chain([1, 2, 10]));
        // A top without a thread is as recent as itself.
        assert_eq!(s.tops[1].activity, 60);
    }
}
