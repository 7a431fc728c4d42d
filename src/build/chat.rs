//! One chat, from its message files to the ordered, threaded list of published messages.
//!
//! What is published is decided here and nowhere else: deleted, hidden and comment-tagged
//! messages, and membership notices, never reach a page or a feed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use super::view::{MessageView, ViewContext, is_tombstone};
use crate::config::Config;
use crate::content::{MessageRecord, Ts};

/// Reads every message file of a chat, in parallel, sorted by ts.
pub fn read_messages(dir: &Path) -> Result<Vec<MessageRecord>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        let is_message = path.extension().is_some_and(|e| e == "json")
            && !path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
        if is_message {
            paths.push(path);
        }
    }
    let mut records = paths
        .par_iter()
        .map(|path| read_message(path))
        .collect::<Result<Vec<_>>>()?;
    records.sort_by(|a, b| a.ts.cmp(&b.ts));
    Ok(records)
}

fn read_message(path: &Path) -> Result<MessageRecord> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let record: MessageRecord = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a valid message file", path.display()))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != record.ts.as_str() {
        bail!(
            "{}: the file is named {stem} but holds message ts {}; a message file must be named by its ts",
            path.display(),
            record.ts
        );
    }
    Ok(record)
}

/// How a message appears on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Published,
    /// Deleted, but its replies are published: shown as "This message was deleted."
    Tombstone,
    Unpublished,
}

/// Decides whether a record is published (replies to tombstones are decided by the caller).
pub fn visibility(record: &MessageRecord, config: &Config) -> Visibility {
    if record.hidden || is_comment(record, &config.comment_tag) {
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
    let escaped = tag
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    text.starts_with(&escaped) || text.starts_with(tag)
}

/// A chat's published messages, threaded and in order.
#[derive(Debug, Default)]
pub struct Assembled {
    /// Top-level messages, oldest first, each with its thread.
    pub messages: Vec<MessageView>,
    /// Published messages, replies included (tombstones excluded).
    pub count: usize,
}

/// Turns records into views: filters, renders (in parallel), and nests replies under parents.
///
/// Replies go under their parent when the parent is published or a tombstone; replies to a
/// comment-tagged or hidden parent stay private with it; replies whose parent is not in the
/// tree at all are shown at the top level. A `thread_broadcast` also shows at the top level,
/// as Slack shows it in the channel.
pub fn assemble(records: &[MessageRecord], config: &Config, cx: &ViewContext<'_>) -> Assembled {
    let visibility: HashMap<&Ts, Visibility> = records
        .iter()
        .map(|r| (&r.ts, visibility(r, config)))
        .collect();
    let parent_of = |r: &MessageRecord| r.thread_ts().filter(|t| *t != r.ts);

    let mut replies: BTreeMap<Ts, Vec<&MessageRecord>> = BTreeMap::new();
    let mut shown: Vec<&MessageRecord> = Vec::new();
    for r in records {
        if visibility[&r.ts] != Visibility::Published {
            continue;
        }
        match parent_of(r) {
            Some(parent) => match visibility.get(&parent) {
                Some(Visibility::Unpublished) => {}
                Some(_) => {
                    replies.entry(parent).or_default().push(r);
                    if r.subtype() == Some("thread_broadcast") {
                        shown.push(r);
                    }
                }
                None => shown.push(r),
            },
            None => shown.push(r),
        }
    }
    // Tombstones only when something of their thread is published.
    for r in records {
        if visibility[&r.ts] == Visibility::Tombstone && replies.contains_key(&r.ts) {
            shown.push(r);
        }
    }
    shown.sort_by(|a, b| a.ts.cmp(&b.ts));

    let count = shown.iter().filter(|r| !is_tombstone(r)).count()
        + replies
            .values()
            .flatten()
            .filter(|r| r.subtype() != Some("thread_broadcast"))
            .count();
    let messages: Vec<MessageView> = shown
        .par_iter()
        .map(|r| {
            let mut view = MessageView::new(r, cx);
            if parent_of(r).is_none()
                && let Some(thread) = replies.get(&r.ts)
            {
                view.thread = thread
                    .iter()
                    .map(|reply| MessageView::new(reply, cx))
                    .collect();
            }
            view
        })
        .collect();
    Assembled { messages, count }
}
