//! What a live chat's content tree holds within a catch-up window, read before Slack is asked,
//! and how it compares with what Slack answers: which messages to send on, which threads to
//! read again, and which messages Slack no longer has.
//!
//! The snapshot is taken before the history is read, so every message in it was posted before
//! Slack was asked: one that Slack's answer should contain and does not was deleted. (Compared
//! with files read afterwards, a message an event brought in meanwhile would look deleted.)

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::Result;
use serde_json::{Map, Value};

use crate::content::{MessageRecord, Ts};

/// One stored message, as much as the comparisons need.
#[derive(Debug, Clone)]
struct Stored {
    ts: Ts,
    deleted: bool,
    /// Hidden by Slack itself (`hidden: true`, as tombstones are): history need not list it,
    /// so its absence proves nothing.
    hidden: bool,
    /// Its thread's parent, for a reply (`thread_ts` other than its own ts).
    parent: Option<Ts>,
    /// What Slack shows of it (for edits): the fields [`Snapshot::is_as_is`] compares.
    slack: Map<String, Value>,
}

impl Stored {
    fn is_reply_to(&self, parent: &Ts) -> bool {
        self.parent
            .as_ref()
            .is_some_and(|p| p.micros() == parent.micros())
    }

    /// Whether its absence from Slack's answer would mean it was deleted.
    fn is_judged(&self) -> bool {
        !self.deleted && !self.hidden
    }
}

/// The fields of a message whose change is worth sending on: an edit, files deleted or added,
/// replies added or removed.
const COMPARED: [&str; 4] = ["text", "edited", "files", "reply_count"];

/// The stored messages of one chat from some instant on, by ts.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    messages: BTreeMap<u64, Stored>,
}

impl Snapshot {
    /// Reads the messages of `dir` whose ts is `since` or later (file names are timestamps, so
    /// only those files are opened). A file that does not parse is left out: it is never judged.
    pub(super) fn read(dir: &Path, since: &Ts) -> Result<Snapshot> {
        let mut messages = BTreeMap::new();
        for ts in stored_timestamps(dir)? {
            if ts.micros() < since.micros() {
                continue;
            }
            let Ok(bytes) = std::fs::read(dir.join(format!("{ts}.json"))) else {
                continue;
            };
            let Ok(record) = serde_json::from_slice::<MessageRecord>(&bytes) else {
                continue;
            };
            let parent = record
                .thread_ts()
                .filter(|t| t.micros() != record.ts.micros());
            let hidden = record.slack.get("hidden").and_then(Value::as_bool) == Some(true);
            let slack = COMPARED
                .iter()
                .filter_map(|k| record.slack.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                .collect();
            messages.insert(
                ts.micros(),
                Stored {
                    ts,
                    deleted: record.deleted,
                    hidden,
                    parent,
                    slack,
                },
            );
        }
        Ok(Snapshot { messages })
    }

    /// Whether the content tree has this message as Slack has it now (same text, same edit,
    /// same files and reply count), or has it deleted (never resurrected): nothing to send on.
    pub(super) fn is_as_is(&self, message: &Value) -> bool {
        let Some(ts) = ts_of(message) else {
            return true;
        };
        match self.messages.get(&ts.micros()) {
            None => false,
            Some(stored) => {
                stored.deleted
                    || COMPARED
                        .iter()
                        .all(|k| stored.slack.get(*k) == message.get(*k))
            }
        }
    }

    /// Whether the tree has a file for `ts`.
    pub(super) fn has(&self, ts: &Ts) -> bool {
        self.messages.contains_key(&ts.micros())
    }

    /// How many replies of `parent` the tree has (not deleted), and the newest one.
    pub(super) fn replies_of(&self, parent: &Ts) -> (u64, Option<u64>) {
        let mut count = 0;
        let mut newest = None;
        for m in self.messages.range(parent.micros()..).map(|(_, m)| m) {
            if !m.deleted && m.is_reply_to(parent) {
                count += 1;
                newest = Some(m.ts.micros());
            }
        }
        (count, newest)
    }

    /// Thread parents the tree has replies of (not deleted), which history might no longer
    /// list as threads (all their replies deleted).
    pub(super) fn parents(&self) -> HashSet<u64> {
        self.messages
            .values()
            .filter(|m| !m.deleted)
            .filter_map(|m| m.parent.as_ref().map(Ts::micros))
            .collect()
    }

    /// Top-level messages of the tree from `from` on (micros) that history, read completely
    /// over that span, did not return: deleted in Slack. Replies are judged by their thread.
    pub(super) fn vanished_from_history(&self, returned: &HashSet<u64>, from: u64) -> Vec<Ts> {
        self.messages
            .range(from..)
            .map(|(_, m)| m)
            .filter(|m| m.is_judged() && m.parent.is_none())
            .filter(|m| !returned.contains(&m.ts.micros()))
            .map(|m| m.ts.clone())
            .collect()
    }

    /// Replies of `parent` in the tree that its thread, read completely, did not return.
    pub(super) fn vanished_from_thread(&self, parent: &Ts, returned: &HashSet<u64>) -> Vec<Ts> {
        self.messages
            .range(parent.micros()..)
            .map(|(_, m)| m)
            .filter(|m| m.is_judged() && m.is_reply_to(parent))
            .filter(|m| !returned.contains(&m.ts.micros()))
            .map(|m| m.ts.clone())
            .collect()
    }
}

/// A message's `ts`.
pub(super) fn ts_of(message: &Value) -> Option<Ts> {
    message
        .get("ts")
        .and_then(Value::as_str)
        .and_then(|t| Ts::parse(t).ok())
}

/// The timestamps of a chat's message files, oldest first.
pub(super) fn stored_timestamps(dir: &Path) -> Result<Vec<Ts>> {
    let mut all: Vec<Ts> = crate::fsio::dir_entries(dir)?
        .iter()
        .filter_map(|e| {
            let name = e.file_name();
            let stem = name.to_str()?.strip_suffix(".json")?;
            Ts::parse(stem).ok()
        })
        .collect();
    all.sort();
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chat(messages: &[Value]) -> (tempfile::TempDir, Snapshot) {
        let dir = tempfile::tempdir().unwrap();
        for m in messages {
            let ts = ts_of(m).unwrap();
            let mut record = MessageRecord::new(ts.clone(), m.as_object().unwrap().clone());
            record.deleted = m.get("gone").is_some();
            std::fs::write(dir.path().join(format!("{ts}.json")), record.to_bytes()).unwrap();
        }
        let snapshot = Snapshot::read(dir.path(), &Ts::parse("2.000000").unwrap()).unwrap();
        (dir, snapshot)
    }

    fn set(ts: &[&str]) -> HashSet<u64> {
        ts.iter().map(|t| Ts::parse(t).unwrap().micros()).collect()
    }

    #[test]
    fn only_top_level_messages_from_the_oldest_returned_on_are_judged_by_history() {
        let (_dir, s) = chat(&[
            json!({"ts": "1.000000", "text": "before the window"}),
            json!({"ts": "3.000000", "text": "older than anything returned"}),
            json!({"ts": "4.000000", "text": "kept"}),
            json!({"ts": "5.000000", "text": "deleted in Slack"}),
            json!({"ts": "6.000000", "text": "a reply", "thread_ts": "4.000000"}),
            json!({"ts": "7.000000", "text": "already deleted", "gone": true}),
            json!({"ts": "8.000000", "text": "hidden by Slack", "hidden": true}),
        ]);
        let gone = s.vanished_from_history(&set(&["4.000000"]), Ts::parse("4.0").unwrap().micros());
        assert_eq!(gone, vec![Ts::parse("5.000000").unwrap()]);
        let parent = Ts::parse("4.000000").unwrap();
        assert_eq!(s.replies_of(&parent), (1, Some(6_000_000)));
        assert_eq!(s.vanished_from_thread(&parent, &set(&["6.000000"])), vec![]);
        assert_eq!(
            s.vanished_from_thread(&parent, &set(&["4.000000"])),
            vec![Ts::parse("6.000000").unwrap()]
        );
        assert_eq!(s.parents(), set(&["4.000000"]));
    }

    #[test]
    fn an_edit_or_a_new_reply_count_is_not_as_is() {
        let (_dir, s) = chat(&[json!({"ts": "4.000000", "text": "v1", "reactions": []})]);
        assert!(s.is_as_is(&json!({"ts": "4.000000", "text": "v1"})));
        assert!(!s.is_as_is(&json!({"ts": "4.000000", "text": "v2", "edited": {"ts": "9.0"}})));
        assert!(!s.is_as_is(&json!({"ts": "4.000000", "text": "v1", "reply_count": 1})));
        assert!(!s.is_as_is(&json!({"ts": "9.000000", "text": "new"})));
    }
}
