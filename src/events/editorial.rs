//! Editors' acts as events (issue 14): a message shortcut or a slash command becomes a
//! `scrollback_act` entry in `serve`'s journal, recorded before Slack gets its answer and applied
//! by the publisher with Slack's events, in order, through the same store batch; a reaction in
//! the `[reactions]` table from an editor is turned into the act it stands for.
//!
//! `scrollback_act` envelopes are written by `serve` only: `/slack/events` reads `event_callback`
//! envelopes with [`super::parse`], which never yields an act, so no request can pose as one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};

use super::parse::{Callback, Event, Malformed};
use crate::content::{Act, EditorialEntry, Ts};

/// The envelope type of an editor's act in the journal.
pub const ACT_ENVELOPE: &str = "scrollback_act";

/// An editor's act on one message, ready for the journal: (event id, envelope).
pub fn act_envelope(channel: &str, ts: &Ts, entry: &EditorialEntry) -> (String, Value) {
    let envelope = json!({
        "type": ACT_ENVELOPE,
        "event_id": entry.id,
        "channel": channel,
        "ts": ts.as_str(),
        "entry": entry,
    });
    (entry.id.clone(), envelope)
}

/// Reads an envelope from the journal: Slack's `event_callback`s and `serve`'s own acts.
pub fn parse_recorded(envelope: &Map<String, Value>) -> Result<Callback, Malformed> {
    if envelope.get("type").and_then(Value::as_str) != Some(ACT_ENVELOPE) {
        return super::parse(envelope);
    }
    let field = |key: &str| {
        envelope
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| Malformed(format!("an editor's act without `{key}`")))
    };
    let id = field("event_id")?.to_owned();
    let channel = field("channel")?.to_owned();
    let ts = Ts::parse(field("ts")?).map_err(|e| Malformed(format!("an editor's act: {e}")))?;
    let entry: EditorialEntry = envelope
        .get("entry")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| Malformed(format!("editor's act {id}: {e}")))?
        .ok_or_else(|| Malformed(format!("editor's act {id} has no `entry`")))?;
    Ok(Callback {
        id,
        event: Event::Editorial { channel, ts, entry },
    })
}

/// Who may act, and which reactions are acts: from `scrollback.toml` (`editors`,
/// `editor_groups`, `[reactions]`). The members of the editor groups are looked up by `serve` and
/// added to the shared set as they are found, so the publisher's thread never waits on Slack.
#[derive(Debug, Clone, Default)]
pub struct EditorialPolicy {
    editors: Arc<RwLock<BTreeSet<String>>>,
    reactions: BTreeMap<String, Act>,
}

impl EditorialPolicy {
    pub fn new(editors: &[String], reactions: BTreeMap<String, Act>) -> EditorialPolicy {
        EditorialPolicy {
            editors: Arc::new(RwLock::new(editors.iter().cloned().collect())),
            reactions,
        }
    }

    pub fn is_editor(&self, user: &str) -> bool {
        self.editors
            .read()
            .map(|set| set.contains(user))
            .unwrap_or(false)
    }

    /// Replaces the editors (the configured ids plus the groups' members, as last looked up).
    pub fn set_editors(&self, editors: BTreeSet<String>) {
        if let Ok(mut set) = self.editors.write() {
            *set = editors;
        }
    }

    /// The act a reaction by `user` stands for: only editors' reactions are acts, and removing
    /// the reaction undoes what adding it did.
    pub fn reaction_act(&self, name: &str, user: &str, added: bool) -> Option<Act> {
        let act = self.reactions.get(name)?;
        if !self.is_editor(user) {
            return None;
        }
        Some(if added { act.clone() } else { act.inverse() })
    }
}

/// The log entry of an editor's reaction. Its id comes from the reaction itself (who, which,
/// added or removed, when), so replaying the event records it once.
pub fn reaction_entry(act: Act, name: &str, user: &str, added: bool, at: &Ts) -> EditorialEntry {
    let sign = if added { '+' } else { '-' };
    EditorialEntry {
        id: format!("reaction{sign}{name}:{user}@{at}"),
        act,
        by: user.to_owned(),
        at: at.clone(),
        via: "reaction".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> EditorialPolicy {
        let reactions = [("pushpin".to_owned(), Act::Pin)].into_iter().collect();
        EditorialPolicy::new(&["U0EDITOR".to_owned()], reactions)
    }

    #[test]
    fn only_editors_reactions_in_the_table_are_acts() {
        let p = policy();
        assert_eq!(p.reaction_act("pushpin", "U0EDITOR", true), Some(Act::Pin));
        assert_eq!(
            p.reaction_act("pushpin", "U0EDITOR", false),
            Some(Act::Unpin)
        );
        assert_eq!(p.reaction_act("pushpin", "U0READER", true), None);
        assert_eq!(p.reaction_act("tada", "U0EDITOR", true), None);
        p.set_editors(["U0READER".to_owned()].into());
        assert!(p.is_editor("U0READER") && !p.is_editor("U0EDITOR"));
    }

    #[test]
    fn an_act_goes_through_the_journal_and_back() {
        let entry = EditorialEntry {
            id: "EdABC".to_owned(),
            act: Act::Edit {
                text: "fixed".to_owned(),
            },
            by: "U0EDITOR".to_owned(),
            at: Ts::parse("2.000000").unwrap(),
            via: "shortcut".to_owned(),
        };
        let ts = Ts::parse("1.000100").unwrap();
        let (id, envelope) = act_envelope("C1", &ts, &entry);
        assert_eq!(id, "EdABC");
        // As the journal keeps it: JSON text.
        let back: Value = serde_json::from_str(&envelope.to_string()).unwrap();
        let callback = parse_recorded(back.as_object().unwrap()).unwrap();
        assert_eq!(
            callback.event,
            Event::Editorial {
                channel: "C1".to_owned(),
                ts,
                entry
            }
        );
        // /slack/events never reads an act.
        assert!(super::super::parse(back.as_object().unwrap()).is_err());
    }
}
