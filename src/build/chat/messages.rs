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
use crate::content::layout::relative;
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
    /// Boxed: a chat keeps every message in memory, most without a view in a cold build (issue
    /// 15), and an inline view made each item 900 bytes.
    pub view: Option<Box<(MessageView, String)>>,
    /// The hash of that JSON, taken once when the file is read: every build signs every page
    /// from its messages, and hashing a long chat's JSON each time cost more than the rest of a
    /// rebuild (issue 15).
    pub json_hash: Option<u64>,
    /// Pinned by an editor (published messages only): shown above every page.
    pub pinned: bool,
    /// When its view last changed (its time, last edit or correction; Unix seconds), for the
    /// sitemaps' `lastmod`. `None` without a view.
    pub updated: Option<i64>,
    /// The names its view looked up; `None` when it looked up none, as for every message
    /// restored from the chat index (boxed: a cold build keeps 100,000 items in memory, issue
    /// 15).
    pub deps: Option<Box<Deps>>,
    /// Restored from the chat index (`incremental::chat_index`) without reading its file: every
    /// field above but `view` and `deps` is known. A cold build reads the file only when an
    /// output it renders shows the message (issue 15).
    pub from_index: bool,
}

impl Item {
    /// Whether its view looked up a name among `changed`.
    pub fn touches(&self, changed: &Deps) -> bool {
        self.deps.as_ref().is_some_and(|d| d.touches(changed))
    }

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
        view: view.map(Box::new),
        deps: Some(Box::new(lookup.into_deps())).filter(|d| !d.is_empty()),
    })
}

/// The message files of a chat folder: ts → path. Other files (editors' temporaries) are skipped.
pub fn list_messages(dir: &Path) -> Result<BTreeMap<Ts, std::path::PathBuf>> {
    Ok(list_message_ts(dir)?
        .into_iter()
        .map(|ts| {
            let path = dir.join(relative::message_file_name(&ts));
            (ts, path)
        })
        .collect())
}

/// The ts of the message files of a chat folder, in order. Other files (editors' temporaries)
/// are skipped. Names only, no paths: a cold build lists a 100,000-message chat (issue 15).
pub fn list_message_ts(dir: &Path) -> Result<Vec<Ts>> {
    let mut out = Vec::new();
    crate::fsio::for_each_name(dir, |name| {
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            return Ok(());
        };
        match Ts::parse(stem) {
            Ok(ts) => out.push(ts),
            // Editors' and tools' temporary files are not messages.
            Err(_) if stem.starts_with('.') || stem.ends_with('~') => {}
            Err(_) => bail!(
                "{} is not a message file: message files are named by their Slack ts, like 1517365800.000100.json",
                dir.join(name).display()
            ),
        }
        Ok(())
    })?;
    out.sort_unstable();
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
    /// The most recent activity of any reply to it, published or not (0 without replies): what
    /// `activity` takes once a reply shows, kept so an update need not look for them.
    pub thread_activity: u64,
}

#[cfg(test)]
impl Top {
    /// A published top-level message without replies at `place`, for tests of what is cut and
    /// linked by places.
    pub fn at(ts: Ts, place: usize) -> Top {
        Top {
            ts,
            replies: Vec::new(),
            place,
            published: true,
            sig: 0,
            updated: None,
            activity: 0,
            thread_activity: 0,
        }
    }
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
#[derive(Debug, Clone, Default, PartialEq)]
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
                thread_activity: thread_activity[i],
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

/// What threading takes from a message, besides its content: a change that keeps it (an edit,
/// a reaction) moves nothing in the chat's structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    parent: Option<Ts>,
    broadcast: bool,
    visibility: Visibility,
    holds_place: bool,
    pinned: bool,
    activity: u64,
}

impl Shape {
    pub fn of(item: &Item) -> Shape {
        Shape {
            parent: item.parent.clone(),
            broadcast: item.broadcast,
            visibility: item.visibility,
            holds_place: item.holds_place,
            pinned: item.pinned,
            activity: item.activity,
        }
    }

    /// The same place in the structure (activity aside).
    fn same_place(&self, other: &Shape) -> bool {
        (
            &self.parent,
            self.broadcast,
            self.visibility,
            self.holds_place,
            self.pinned,
        ) == (
            &other.parent,
            other.broadcast,
            other.visibility,
            other.holds_place,
            other.pinned,
        )
    }
}

impl Structure {
    /// Brings the structure of `items` up to date after the messages `changes` names changed,
    /// each with its shape before (`None`: new), without threading the whole chat: a live
    /// chat's new message, reply, edit or reaction touches one top (issue 15: threading 100,000
    /// messages was a fifth of every rebuild).
    ///
    /// Handles the changes live chats make all the time: a new message after every other, a new
    /// reply to a shown thread, and a change that keeps a message's place (an edit, a reaction,
    /// a newer activity). Anything else (a deletion, a hide, a pin, a broadcast, a reply behind a
    /// private or missing parent, an activity going back) returns `false`, and the structure must
    /// be taken again with [`structure`]; so may it be after a `false`, partly updated.
    pub fn update(
        &mut self,
        items: &BTreeMap<Ts, Item>,
        changes: &BTreeMap<Ts, Option<Shape>>,
    ) -> bool {
        for (ts, before) in changes {
            let Some(item) = items.get(ts) else {
                return false; // Gone.
            };
            if item.broadcast {
                return false;
            }
            let updated = match before {
                Some(before) => self.changed(items, item, before),
                None => self.added(items, item, changes),
            };
            if !updated {
                return false;
            }
        }
        true
    }

    /// A message that kept its place.
    fn changed(&mut self, items: &BTreeMap<Ts, Item>, item: &Item, before: &Shape) -> bool {
        if !before.same_place(&Shape::of(item)) || item.activity < before.activity {
            return false;
        }
        match (&item.parent, item.visibility) {
            (None, Visibility::Published) => self.touch(items, &item.ts, None),
            // A reply that is a top of its own too (a tombstone with replies of its own, in a
            // tree edited by hand) is left to threading.
            (Some(_), _) if self.top_index(&item.ts).is_some() => false,
            (Some(parent), _) if items.contains_key(parent) => {
                self.touch(items, parent, Some(item.activity))
            }
            _ => false,
        }
    }

    /// A message that was not there before.
    fn added(
        &mut self,
        items: &BTreeMap<Ts, Item>,
        item: &Item,
        changes: &BTreeMap<Ts, Option<Shape>>,
    ) -> bool {
        if item.pinned {
            return false; // Pinned messages are listed in order.
        }
        let Some(parent) = &item.parent else {
            // At the end of the chat, or places move: every message after it is new too.
            let after = items.range((
                std::ops::Bound::Excluded(&item.ts),
                std::ops::Bound::Unbounded,
            ));
            if after
                .map(|(ts, _)| changes.get(ts))
                .any(|c| !matches!(c, Some(None)))
            {
                return false;
            }
            match item.visibility {
                Visibility::Published => {
                    self.tops.push(Top {
                        ts: item.ts.clone(),
                        replies: Vec::new(),
                        place: self.places,
                        published: true,
                        sig: chain(item.json_hash),
                        updated: item.updated,
                        activity: item.activity,
                        thread_activity: 0,
                    });
                    self.count += 1;
                }
                // A tombstone shows only with a published reply, which is newer still.
                _ => self.unshown.push(Unshown {
                    ts: item.ts.clone(),
                    activity: item.activity,
                }),
            }
            if item.holds_place {
                self.places += 1;
            }
            return true;
        };
        if !items.contains_key(parent) {
            return false; // Shown at the top level.
        }
        let Some(top) = self.top_index(parent) else {
            return false; // Its parent does not show (private, or a tombstone until now).
        };
        if item.visibility == Visibility::Published {
            let replies = &mut self.tops[top].replies;
            let at = replies.partition_point(|r| *r < item.ts);
            replies.insert(at, item.ts.clone());
            self.count += 1;
        }
        self.touch(items, parent, Some(item.activity))
    }

    fn top_index(&self, ts: &Ts) -> Option<usize> {
        self.tops.binary_search_by(|t| t.ts.cmp(ts)).ok()
    }

    /// Signs a shown top with its thread again; `reply`: the activity of the reply that changed.
    /// A top whose parent is not its own (a reply shown at the top level) returns `false`.
    fn touch(&mut self, items: &BTreeMap<Ts, Item>, ts: &Ts, reply: Option<u64>) -> bool {
        let Some(index) = self.top_index(ts) else {
            return false;
        };
        let top = &mut self.tops[index];
        let Some(item) = items.get(ts).filter(|i| i.parent.is_none()) else {
            return false;
        };
        let mut messages = Vec::with_capacity(1 + top.replies.len());
        messages.push(item);
        for r in &top.replies {
            match items.get(r) {
                Some(reply) => messages.push(reply),
                None => return false,
            }
        }
        if let Some(activity) = reply {
            top.thread_activity = top.thread_activity.max(activity);
        }
        top.sig = chain(messages.iter().filter_map(|i| i.json_hash));
        top.updated = messages.iter().filter_map(|i| i.updated).max();
        top.activity = if top.replies.is_empty() {
            item.activity
        } else {
            item.activity.max(top.thread_activity)
        };
        true
    }
}

/// A top-level message's view with its thread, for templates.
pub fn nested_view(top: &Top, items: &BTreeMap<Ts, Item>) -> Option<MessageView> {
    let mut view = items.get(&top.ts)?.view.as_deref()?.0.clone();
    view.thread = top
        .replies
        .iter()
        .filter_map(|r| items.get(r)?.view.as_deref().map(|(v, _)| v.clone()))
        .collect();
    Some(view)
}

/// A top-level message's JSON with its thread, as in the feed. The view's JSON ends with its
/// empty `"thread":[]` (the last field of [`MessageView`]), which is filled in here.
pub fn nested_json(top: &Top, items: &BTreeMap<Ts, Item>, out: &mut String) {
    let Some((_, json)) = items.get(&top.ts).and_then(|i| i.view.as_deref()) else {
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
        if let Some((_, reply)) = items.get(r).and_then(|i| i.view.as_deref()) {
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
        .filter_map(|ts| items.get(ts)?.view.as_deref())
        .map(|(view, json)| (view.clone(), json.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_folder_lists_its_message_files_in_order_and_names_a_stray() {
        let dir = tempfile::tempdir().unwrap();
        // No folder: no messages.
        assert!(
            list_message_ts(&dir.path().join("missing"))
                .unwrap()
                .is_empty()
        );
        let many: Vec<String> = (0..3000).rev().map(|n| format!("1.{n:06}")).collect();
        for ts in &many {
            std::fs::write(dir.path().join(format!("{ts}.json")), b"{}").unwrap();
        }
        // Editors' and tools' files, and a folder, are not messages.
        for other in [
            ".1.000001.json.swp",
            ".tmp-x.json",
            "2.000001.json~",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(other), b"").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let listed = list_message_ts(dir.path()).unwrap();
        let want: Vec<Ts> = many.iter().rev().map(|t| Ts::parse(t).unwrap()).collect();
        assert_eq!(listed, want);
        // A file that looks like a message but is not named by a ts is named in the error.
        std::fs::write(dir.path().join("notes.json"), b"{}").unwrap();
        let err = list_message_ts(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("notes.json") && err.contains("not a message file"),
            "{err}"
        );
    }

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
            deps: None,
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

    /// Random changes, as live chats and editors make them: every update the structure accepts
    /// equals the chat threaded whole, and the common ones are accepted.
    #[test]
    fn an_updated_structure_is_the_chat_threaded_whole() {
        use Visibility::*;
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut items: BTreeMap<Ts, Item> = BTreeMap::new();
        let add = |items: &mut BTreeMap<Ts, Item>, i: Item| items.insert(i.ts.clone(), i);
        for secs in 1..=40 {
            add(&mut items, item(secs, None, Published));
        }
        let mut threaded = structure(&items);
        let (mut accepted, mut appended, mut replied, mut edited) = (0, 0, 0, 0);
        let mut clock = 100;
        for _ in 0..2000 {
            let mut changes: BTreeMap<Ts, Option<Shape>> = BTreeMap::new();
            for _ in 0..=next(2) {
                clock += 1;
                let existing: Vec<Ts> = items.keys().cloned().collect();
                let pick = existing[next(existing.len() as u64) as usize].clone();
                let before = items.get(&pick).map(Shape::of);
                let kind = next(10);
                let changed = match kind {
                    // A new message, mostly published, at the end.
                    0..=2 => {
                        let visibility =
                            [Published, Published, Unpublished, Tombstone][next(4) as usize];
                        item(clock, None, visibility)
                    }
                    // A new reply, to any message (shown, private, itself a reply, or gone).
                    3..=5 => {
                        let parent = pick.seconds() as u64 + 100_000 * (next(8) == 0) as u64;
                        let visibility = [Published, Published, Unpublished][next(3) as usize];
                        let mut reply = item(clock, Some(parent), visibility);
                        reply.broadcast = next(12) == 0;
                        reply
                    }
                    // An edit: new JSON, newer (or, rarely, older) activity, a later edit time.
                    6..=8 => {
                        let mut edit = items[&pick].clone();
                        edit.json_hash = edit.json_hash.map(|h| h ^ clock);
                        edit.activity = if next(10) == 0 { 1 } else { clock * 10 };
                        edit.updated = edit.updated.map(|u| u.max(clock as i64));
                        edit.pinned ^= next(15) == 0;
                        edit
                    }
                    // A deletion, a hide or a comment tag.
                    _ => {
                        let mut edit = items[&pick].clone();
                        edit.visibility = [Tombstone, Unpublished][next(2) as usize];
                        edit.holds_place = edit.visibility == Tombstone;
                        edit
                    }
                };
                let ts = changed.ts.clone();
                changes
                    .entry(ts.clone())
                    .or_insert(if ts == pick { before } else { None });
                add(&mut items, changed);
            }
            let whole = structure(&items);
            let mut updated = threaded.clone();
            if updated.update(&items, &changes) {
                if updated != whole {
                    let differ = updated.tops.iter().zip(&whole.tops).find(|(a, b)| a != b);
                    panic!(
                        "after {changes:?}: {differ:?}; counts {:?} vs {:?}; unshown ends {:?} vs {:?}",
                        (updated.tops.len(), updated.count, updated.places),
                        (whole.tops.len(), whole.count, whole.places),
                        updated.unshown.last(),
                        whole.unshown.last(),
                    );
                }
                accepted += 1;
                let new = changes.values().all(Option::is_none);
                let tops_grew = updated.tops.len() > threaded.tops.len();
                appended += (new && tops_grew) as usize;
                replied += (new && !tops_grew && updated.count > threaded.count) as usize;
                edited += (!new) as usize;
            }
            threaded = whole;
        }
        assert!(accepted > 600, "only {accepted} of 2000 updates accepted");
        assert!(
            appended > 100 && replied > 40 && edited > 100,
            "{appended} {replied} {edited}"
        );
    }
}
