//! Editorial acts on a message: hide, show, pin, highlight, and an editor's published text
//! (issue 14). Editors act from Slack (a message shortcut, a reaction, a slash command); each act
//! is recorded in the message file with who did it, how and when, so an archive carries its own
//! corrections history, and applying the same act twice (a journal replayed after a crash)
//! changes nothing.

use serde::{Deserialize, Serialize};

use super::message::MessageRecord;
use super::ts::Ts;

/// What an editor did to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Act {
    /// Kept in the content tree, not published.
    Hide,
    /// Published again after a hide.
    Show,
    /// Shown above the chat's other messages.
    Pin,
    Unpin,
    /// Marked as a key message.
    Highlight,
    Unhighlight,
    /// Published with `text` (Slack mrkdwn) instead of the author's; the author's own text and
    /// later edits in Slack are kept apart.
    Edit {
        text: String,
    },
    /// Published with the author's own text again.
    Revert,
}

impl Act {
    /// The act's name, as in the message file and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Act::Hide => "hide",
            Act::Show => "show",
            Act::Pin => "pin",
            Act::Unpin => "unpin",
            Act::Highlight => "highlight",
            Act::Unhighlight => "unhighlight",
            Act::Edit { .. } => "edit",
            Act::Revert => "revert",
        }
    }

    /// The act that undoes this one (a reaction removed undoes what adding it did).
    pub fn inverse(&self) -> Act {
        match self {
            Act::Hide => Act::Show,
            Act::Show => Act::Hide,
            Act::Pin => Act::Unpin,
            Act::Unpin => Act::Pin,
            Act::Highlight => Act::Unhighlight,
            Act::Unhighlight => Act::Highlight,
            Act::Edit { .. } => Act::Revert,
            Act::Revert => Act::Revert,
        }
    }

    /// The acts a reaction may stand for (`[reactions]` in `scrollback.toml`): all but the ones
    /// that need text.
    pub fn from_reaction_name(name: &str) -> Option<Act> {
        Some(match name {
            "hide" => Act::Hide,
            "pin" => Act::Pin,
            "highlight" => Act::Highlight,
            _ => return None,
        })
    }
}

/// One act as recorded in the message file (`editorial`, oldest first). (Not
/// `deny_unknown_fields`: serde cannot combine it with the flattened act.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorialEntry {
    /// The act's id: the journal event that carried it, so a replay is recognised.
    pub id: String,
    #[serde(flatten)]
    pub act: Act,
    /// The editor's Slack user id.
    pub by: String,
    /// When Slack says the editor acted.
    pub at: Ts,
    /// How: `shortcut`, `reaction`, `command`, `mention`.
    pub via: String,
}

impl MessageRecord {
    /// Applies an editor's act and records it. Returns whether the record changed: an act
    /// already recorded (the same id) changes nothing. An act that leaves the message as it is
    /// (pinning a pinned message) is still recorded, so that replaying a round of acts finds
    /// every one of them done and changes nothing.
    pub fn apply_act(&mut self, entry: EditorialEntry) -> bool {
        if self.editorial.iter().any(|e| e.id == entry.id) {
            return false;
        }
        let changed = match &entry.act {
            Act::Hide => set(&mut self.hidden, true),
            Act::Show => set(&mut self.hidden, false),
            Act::Pin => set(&mut self.pinned, true),
            Act::Unpin => set(&mut self.pinned, false),
            Act::Highlight => set(&mut self.highlighted, true),
            Act::Unhighlight => set(&mut self.highlighted, false),
            Act::Edit { text } => {
                let new = Some(text.clone());
                let changed = self.override_text != new;
                self.override_text = new;
                changed
            }
            Act::Revert => self.override_text.take().is_some(),
        };
        if changed {
            self.touch(Some(&entry.at));
        }
        self.editorial.push(entry);
        true
    }
}

fn set(flag: &mut bool, value: bool) -> bool {
    let changed = *flag != value;
    *flag = value;
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> MessageRecord {
        let slack = json!({"type": "message", "text": "Polls close at 8", "ts": "1.000100"});
        MessageRecord::new(
            Ts::parse("1.000100").unwrap(),
            slack.as_object().unwrap().clone(),
        )
    }

    fn entry(id: &str, act: Act, at: &str) -> EditorialEntry {
        EditorialEntry {
            id: id.to_owned(),
            act,
            by: "U0EDITOR".to_owned(),
            at: Ts::parse(at).unwrap(),
            via: "shortcut".to_owned(),
        }
    }

    #[test]
    fn acts_change_the_record_once_and_are_logged() {
        let mut r = record();
        assert!(r.apply_act(entry("Ea", Act::Hide, "2.000000")));
        assert!(r.hidden);
        // The same act again (a journal replay) changes nothing.
        assert!(!r.apply_act(entry("Ea", Act::Hide, "2.000000")));
        // A second editor's hide leaves the message as it is, and is on the record.
        assert!(r.apply_act(entry("Eb", Act::Hide, "3.000000")));
        assert!(r.apply_act(entry("Ec", Act::Show, "4.000000")));
        assert!(!r.hidden);
        assert!(r.apply_act(entry("Ed", Act::Pin, "5.000000")));
        assert!(r.apply_act(entry("Ee", Act::Highlight, "6.000000")));
        assert!(r.pinned && r.highlighted);
        let ids: Vec<&str> = r.editorial.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["Ea", "Eb", "Ec", "Ed", "Ee"]);
        // Replaying them all changes nothing.
        let before = r.clone();
        for e in before.editorial.clone() {
            assert!(!r.apply_act(e));
        }
        assert_eq!(r, before);
        assert_eq!(r.changed_ts.as_ref().unwrap().as_str(), "6.000000");
    }

    #[test]
    fn an_edit_keeps_the_authors_text_and_is_revertible() {
        let mut r = record();
        let fixed = Act::Edit {
            text: "Polls close at 9".to_owned(),
        };
        assert!(r.apply_act(entry("Ea", fixed, "2.000000")));
        assert_eq!(r.override_text.as_deref(), Some("Polls close at 9"));
        // The author's edit in Slack is merged into `slack`, apart from the editor's text.
        let edited = json!({"type": "message", "text": "Polls close at 8 ET", "ts": "1.000100",
            "edited": {"user": "U1", "ts": "3.000000"}});
        r.merge(edited.as_object().unwrap().clone(), None);
        assert_eq!(r.override_text.as_deref(), Some("Polls close at 9"));
        assert_eq!(r.text(), "Polls close at 8 ET");
        assert!(r.apply_act(entry("Eb", Act::Revert, "4.000000")));
        assert_eq!(r.override_text, None);
        // The editor's text stays in the log.
        assert!(matches!(&r.editorial[0].act, Act::Edit { text } if text == "Polls close at 9"));
    }

    #[test]
    fn the_log_reads_back_as_written() {
        let mut r = record();
        r.apply_act(entry(
            "Ea",
            Act::Edit {
                text: "x".to_owned(),
            },
            "2.000000",
        ));
        r.apply_act(entry("Eb", Act::Pin, "3.000000"));
        let bytes = r.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"act\": \"edit\""), "{text}");
        let back: MessageRecord = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn inverses_undo() {
        for act in [Act::Hide, Act::Pin, Act::Highlight] {
            assert_eq!(act.inverse().inverse(), act);
            assert_eq!(Act::from_reaction_name(act.name()), Some(act));
        }
        assert_eq!(Act::from_reaction_name("edit"), None);
    }
}
