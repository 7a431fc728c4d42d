//! One message file: `content/channels/<slug>/messages/<ts>.json`.
//!
//! The file keeps the raw Slack message losslessly (`slack`, keys sorted) plus scrollback's own
//! state: deleted, hidden by an editor, an editor's override text, pins and highlights with the
//! log of editors' acts ([`super::editorial`]), and earlier versions of the text.
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
    /// Arrived while its chat was archived: recorded, not published, since an archived chat is
    /// a finished article (issue 12). An editor publishes it by removing the flag.
    #[serde(default, skip_serializing_if = "is_false")]
    pub held: bool,
    /// Text (Slack mrkdwn) an editor wants published instead of the message's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_text: Option<String>,
    /// Pinned by an editor: shown above the chat's other messages (issue 14).
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// Highlighted by an editor: marked as a key message (issue 14).
    #[serde(default, skip_serializing_if = "is_false")]
    pub highlighted: bool,
    /// What editors did to the message, oldest first: its corrections history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editorial: Vec<super::editorial::EditorialEntry>,
    /// Earlier versions of the text, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// Slack's `event_ts` of the latest live change applied to the message (an edit, a deletion,
    /// a reaction). Slack's own message carries no time for deletions and reactions; the live
    /// feed needs one to list what changed recently, and keeping it here keeps the feed a
    /// function of the content tree alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_ts: Option<Ts>,
    /// Slack's `event_ts` of the `message_changed` event that brought the current version.
    /// Versions are ordered by `edited.ts`, but a bot's `chat.update` (and an unfurl) changes a
    /// message without one: the event's time orders such versions, so a late or replayed change
    /// never replaces a later one and no text is lost (issue 11, the `apply_event` fuzz finding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_event_ts: Option<Ts>,
    /// The message as Slack last sent it, without tokens.
    pub slack: Map<String, Value>,
}

/// The files a Slack message carries: modern messages have a `files` array, 2016-era
/// `file_share` and `file_comment` messages one `file` object. The build shows them and
/// `scrollback files` keeps them, from this one reading.
pub fn attached_files(slack: &Value) -> Vec<&Value> {
    slack.as_object().map(attached_files_in).unwrap_or_default()
}

/// [`attached_files`] of a message object (`import --files` reads them before the message is
/// stored).
pub fn attached_files_in(slack: &Map<String, Value>) -> Vec<&Value> {
    match (slack.get("files"), slack.get("file")) {
        (Some(Value::Array(files)), _) => files.iter().filter(|f| f.is_object()).collect(),
        (_, Some(file @ Value::Object(_))) => vec![file],
        _ => Vec::new(),
    }
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
            held: false,
            override_text: None,
            pinned: false,
            highlighted: false,
            editorial: Vec::new(),
            revisions: Vec::new(),
            changed_ts: None,
            version_event_ts: None,
            slack,
        }
    }

    /// Notes a live change at `at` (kept as the latest of all such times).
    pub fn touch(&mut self, at: Option<&Ts>) {
        if let Some(at) = at
            && self
                .changed_ts
                .as_ref()
                .is_none_or(|c| c.micros() < at.micros())
        {
            self.changed_ts = Some(at.clone());
        }
    }

    /// When the message last changed, as far as the content tree tells: its post, its last edit
    /// or the latest live change (microseconds since the epoch).
    pub fn activity(&self) -> u64 {
        let edited = edited_micros(self.slack.get("edited")).unwrap_or(0);
        let changed = self.changed_ts.as_ref().map_or(0, Ts::micros);
        self.ts.micros().max(edited).max(changed)
    }

    /// The Slack `reactions` array, created when missing.
    pub fn reactions_mut(&mut self) -> &mut Vec<Value> {
        let entry = self
            .slack
            .entry("reactions")
            .or_insert_with(|| Value::Array(Vec::new()));
        if !entry.is_array() {
            *entry = Value::Array(Vec::new());
        }
        match entry {
            Value::Array(list) => list,
            _ => unreachable!("made an array above"),
        }
    }

    /// Adds (`added`) or removes one person's reaction `name`, keeping Slack's shape
    /// (`name`, `users`, `count`). Idempotent: a person reacts with one emoji at most once, so
    /// replaying the same event changes nothing. Returns whether anything changed.
    pub fn react(&mut self, name: &str, user: &str, added: bool) -> bool {
        let list = self.reactions_mut();
        let at = list
            .iter()
            .position(|r| r.get("name").and_then(Value::as_str) == Some(name));
        let changed = match (at, added) {
            (None, false) => false,
            (None, true) => {
                list.push(serde_json::json!({"name": name, "users": [user], "count": 1}));
                true
            }
            (Some(i), _) => {
                let r = &mut list[i];
                let mut users: Vec<Value> = r
                    .get("users")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let listed = users.iter().any(|u| u.as_str() == Some(user));
                let count = r.get("count").and_then(Value::as_u64).unwrap_or(0);
                // Slack caps `users` in exports but keeps `count` exact.
                let count = count.max(users.len() as u64);
                if added == listed {
                    false
                } else if added {
                    users.push(Value::String(user.to_owned()));
                    r["users"] = Value::Array(users);
                    r["count"] = (count + 1).into();
                    true
                } else {
                    users.retain(|u| u.as_str() != Some(user));
                    let count = count.saturating_sub(1);
                    if count == 0 {
                        list.remove(i);
                    } else {
                        let r = &mut list[i];
                        r["users"] = Value::Array(users);
                        r["count"] = count.into();
                    }
                    true
                }
            }
        };
        if list.is_empty() {
            self.slack.remove("reactions");
        }
        changed
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

    /// Folds a newer (or older, or the same) sighting of this message into the record;
    /// `changed_at` is the `event_ts` of the `message_changed` event that brought it, if one did.
    ///
    /// Slack can deliver versions out of order (an edit before its message, an old export after a
    /// newer one), so versions are ordered by `edited.ts`, then by `changed_at`, and an older
    /// version never replaces a newer one: its text is kept among the revisions instead. Folding
    /// the same sightings in again (a replay after a crash) changes nothing. Editorial state
    /// (hidden, override) and deletion are never undone by a merge: a deleted message is not
    /// resurrected.
    pub fn merge(&mut self, incoming: Map<String, Value>, changed_at: Option<&Ts>) {
        let current = (version(&self.slack), micros(self.version_event_ts.as_ref()));
        let new = (version(&incoming), micros(changed_at));
        if incoming == self.slack {
            if new > current {
                self.version_event_ts = changed_at.cloned();
            }
            return;
        }
        // Two different sightings of one version (an export's and an event's copy of a message
        // a bot updated) are ordered by their content: whichever comes first, the same one wins,
        // so the record does not depend on the order of arrival.
        let newer = new
            .cmp(&current)
            .then_with(|| canonical(&incoming).cmp(&canonical(&self.slack)))
            .is_gt();
        if newer {
            if text_changed(&self.slack, &incoming) {
                self.revisions.push(Revision {
                    edited: self.slack.get("edited").cloned(),
                    text: self.text().to_owned(),
                });
            }
            self.slack = incoming;
            self.version_event_ts = changed_at.cloned();
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
                    .position(|r| revision_version(r) > new.0)
                    .unwrap_or(self.revisions.len());
                self.revisions.insert(at, revision);
            }
        }
    }
}

/// A message's content as one string, to order two sightings of the same version.
fn canonical(m: &Map<String, Value>) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

fn micros(ts: Option<&Ts>) -> u64 {
    ts.map_or(0, Ts::micros)
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
        r.merge(
            raw(
                json!({"ts": "1.000001", "text": "v2", "edited": {"ts": "5.000000", "user": "U1"}}),
            ),
            None,
        );
        assert_eq!(r.text(), "v2");
        assert_eq!(r.revisions.len(), 1);
        assert_eq!(r.revisions[0].text, "v1");
    }

    #[test]
    fn an_older_version_arriving_late_changes_nothing_but_the_history() {
        let ts = Ts::parse("1.000001").unwrap();
        let newer = raw(json!({"ts": "1.000001", "text": "v2", "edited": {"ts": "5.000000"}}));
        let mut r = MessageRecord::new(ts, newer.clone());
        r.merge(raw(json!({"ts": "1.000001", "text": "v1"})), None);
        assert_eq!(r.slack, newer);
        assert_eq!(r.revisions[0].text, "v1");
        let before = r.clone();
        r.merge(raw(json!({"ts": "1.000001", "text": "v1"})), None);
        assert_eq!(r, before, "merging is idempotent");
    }

    #[test]
    fn reactions_are_idempotent_and_keep_slacks_shape() {
        let ts = Ts::parse("1.000001").unwrap();
        let mut r = MessageRecord::new(ts, raw(json!({"ts": "1.000001", "text": "x"})));
        assert!(r.react("tada", "U1", true));
        assert!(!r.react("tada", "U1", true), "the same event twice");
        assert!(r.react("tada", "U2", true));
        assert_eq!(
            r.slack["reactions"],
            json!([{"name": "tada", "users": ["U1", "U2"], "count": 2}])
        );
        assert!(r.react("tada", "U1", false));
        assert!(!r.react("tada", "U1", false));
        assert!(!r.react("fire", "U1", false), "never added");
        assert_eq!(
            r.slack["reactions"],
            json!([{"name": "tada", "users": ["U2"], "count": 1}])
        );
        assert!(r.react("tada", "U2", false));
        assert!(r.slack.get("reactions").is_none(), "no empty array left");
    }

    #[test]
    fn activity_is_the_latest_of_post_edit_and_live_change() {
        let ts = Ts::parse("10.000001").unwrap();
        let mut r = MessageRecord::new(
            ts,
            raw(json!({"ts": "10.000001", "edited": {"ts": "20.000000"}})),
        );
        assert_eq!(r.activity(), 20_000_000);
        r.touch(Some(&Ts::parse("30.000000").unwrap()));
        r.touch(Some(&Ts::parse("25.000000").unwrap()));
        assert_eq!(r.changed_ts.as_ref().unwrap().as_str(), "30.000000");
        assert_eq!(r.activity(), 30_000_000);
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

    /// Every sequence of up to four sightings (two texts; no `edited` or two edit times; from
    /// an export or from `message_changed` events at two times), folded in once and then again,
    /// as a crash replays a round of events: the second pass changes nothing, and every text
    /// seen is the current one or a revision. The `apply_event` fuzz target found a round that
    /// broke both (fuzz/findings/apply_event-replay-*).
    #[test]
    fn replaying_sightings_changes_nothing_and_loses_no_text() {
        let at = |t: &str| Ts::parse(t).unwrap();
        let mut sightings: Vec<(Map<String, Value>, Option<Ts>)> = Vec::new();
        for text in ["first", "second"] {
            for edited in [None, Some("1.000005"), Some("1.000009")] {
                for changed_at in [None, Some(at("2.000000")), Some(at("3.000000"))] {
                    let mut m = raw(json!({"ts": "1.000001", "text": text}));
                    if let Some(edited) = edited {
                        m.insert("edited".into(), json!({"ts": edited, "user": "U1"}));
                    }
                    sightings.push((m, changed_at));
                }
            }
        }
        let mut sequences: Vec<Vec<usize>> = (0..sightings.len()).map(|i| vec![i]).collect();
        for _ in 0..3 {
            let longest = sequences.last().map_or(0, Vec::len);
            let longer: Vec<Vec<usize>> = sequences
                .iter()
                .filter(|s| s.len() == longest)
                .flat_map(|s| (0..sightings.len()).map(move |i| [s.as_slice(), &[i]].concat()))
                .collect();
            sequences.extend(longer);
        }
        let original = raw(json!({"ts": "1.000001", "text": "original"}));
        for sequence in &sequences {
            let mut record = MessageRecord::new(at("1.000001"), original.clone());
            for &i in sequence {
                record.merge(sightings[i].0.clone(), sightings[i].1.as_ref());
            }
            let once = record.clone();
            for &i in sequence {
                record.merge(sightings[i].0.clone(), sightings[i].1.as_ref());
            }
            assert_eq!(record, once, "replaying {sequence:?}");
            for text in sequence.iter().map(|&i| str_field(&sightings[i].0, "text")) {
                assert!(
                    once.text() == text || once.revisions.iter().any(|r| r.text == text),
                    "{text} lost after {sequence:?}: {once:?}"
                );
            }
        }
    }
}
