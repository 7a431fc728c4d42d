//! One message file: `content/channels/<slug>/messages/<ts>.json`.
//!
//! The file keeps the raw Slack message losslessly (`slack`, keys sorted) plus scrollback's own
//! state: deleted, hidden by an editor, an editor's override text, and earlier versions of the text.
//! Whether a message is comment-tagged is not stored: it is decided at build time from its current
//! text and the configured tag, so an edit that adds or removes the tag takes effect at once.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ts::Ts;

/// A message as stored in the content tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRecord {
    /// Slack's id for the message; also the file's name.
    pub ts: Ts,
    /// Deleted in Slack. The file stays for the record; the message is never published again.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Hidden by an editor: kept, not published.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    /// Text (Slack mrkdwn) an editor wants published instead of the message's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_text: Option<String>,
    /// Earlier versions of the text, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// The message as Slack last sent it, without tokens.
    pub slack: Map<String, Value>,
}

/// An earlier version of a message's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// Slack's `edited` object of that version (`None` for the original).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<Value>,
    pub text: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl MessageRecord {
    pub fn new(ts: Ts, slack: Map<String, Value>) -> MessageRecord {
        MessageRecord {
            ts,
            deleted: false,
            hidden: false,
            override_text: None,
            revisions: Vec::new(),
            slack,
        }
    }

    pub fn text(&self) -> &str {
        str_field(&self.slack, "text")
    }

    pub fn thread_ts(&self) -> Option<Ts> {
        self.slack
            .get("thread_ts")
            .and_then(Value::as_str)
            .and_then(|s| Ts::parse(s).ok())
    }

    pub fn subtype(&self) -> Option<&str> {
        self.slack.get("subtype").and_then(Value::as_str)
    }

    /// The file's bytes: pretty JSON, keys in a stable order, newline-terminated, so the same
    /// record always gives the same bytes and `git diff` shows only real changes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Folds a newer (or older, or the same) sighting of this message into the record.
    ///
    /// Slack can deliver versions out of order (an edit before its message, an old export after a
    /// newer one), so versions are ordered by `edited.ts`, and an older version never replaces a
    /// newer one: its text is kept among the revisions instead. Editorial state (hidden, override)
    /// and deletion are never undone by a merge: a deleted message is not resurrected.
    pub fn merge(&mut self, incoming: Map<String, Value>) {
        if incoming == self.slack {
            return;
        }
        let current = version(&self.slack);
        let new = version(&incoming);
        if new >= current {
            if new > current && text_changed(&self.slack, &incoming) {
                self.revisions.push(Revision {
                    edited: self.slack.get("edited").cloned(),
                    text: self.text().to_owned(),
                });
            }
            self.slack = incoming;
        } else {
            let text = str_field(&incoming, "text");
            let known =
                text == self.text() || self.revisions.iter().any(|r| r.text.as_str() == text);
            if !known {
                let revision = Revision {
                    edited: incoming.get("edited").cloned(),
                    text: text.to_owned(),
                };
                let at = self
                    .revisions
                    .iter()
                    .position(|r| revision_version(r) > new)
                    .unwrap_or(self.revisions.len());
                self.revisions.insert(at, revision);
            }
        }
    }
}

fn str_field<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

fn text_changed(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    a.get("text") != b.get("text") || a.get("blocks") != b.get("blocks")
}

/// The version of a message: when it was last edited, else when it was posted.
fn version(m: &Map<String, Value>) -> u64 {
    edited_micros(m.get("edited"))
        .or_else(|| {
            m.get("ts")
                .and_then(Value::as_str)
                .and_then(|s| Ts::parse(s).ok())
                .map(|t| t.micros())
        })
        .unwrap_or(0)
}

fn revision_version(r: &Revision) -> u64 {
    edited_micros(r.edited.as_ref()).unwrap_or(0)
}

fn edited_micros(edited: Option<&Value>) -> Option<u64> {
    edited?
        .get("ts")?
        .as_str()
        .and_then(|s| Ts::parse(s).ok())
        .map(|t| t.micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn an_edit_keeps_the_previous_text() {
        let ts = Ts::parse("1.000001").unwrap();
        let mut r = MessageRecord::new(ts, raw(json!({"ts": "1.000001", "text": "v1"})));
        r.merge(raw(
            json!({"ts": "1.000001", "text": "v2", "edited": {"ts": "5.000000", "user": "U1"}}),
        ));
        assert_eq!(r.text(), "v2");
        assert_eq!(r.revisions.len(), 1);
        assert_eq!(r.revisions[0].text, "v1");
    }

    #[test]
    fn an_older_version_arriving_late_changes_nothing_but_the_history() {
        let ts = Ts::parse("1.000001").unwrap();
        let newer = raw(json!({"ts": "1.000001", "text": "v2", "edited": {"ts": "5.000000"}}));
        let mut r = MessageRecord::new(ts, newer.clone());
        r.merge(raw(json!({"ts": "1.000001", "text": "v1"})));
        assert_eq!(r.slack, newer);
        assert_eq!(r.revisions[0].text, "v1");
        let before = r.clone();
        r.merge(raw(json!({"ts": "1.000001", "text": "v1"})));
        assert_eq!(r, before, "merging is idempotent");
    }

    #[test]
    fn same_bytes_for_same_record() {
        let ts = Ts::parse("1.000001").unwrap();
        let r = MessageRecord::new(ts, raw(json!({"z": 1, "a": 2, "ts": "1.000001"})));
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(text.find("\"a\"").unwrap() < text.find("\"z\"").unwrap());
        let back: MessageRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_bytes(), r.to_bytes());
    }
}
