//! Checking Slack's `event_callback` envelopes and reading the events in them into [`Event`]s,
//! before `serve` acknowledges them: a malformed event gets a 400 instead of being acknowledged
//! and lost.

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::content::Ts;

/// What one event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A new message (any subtype but the ones below): `file_share`, `bot_message`,
    /// `me_message`, `thread_broadcast`, replies and plain messages alike.
    Message {
        channel: String,
        message: Map<String, Value>,
    },
    /// `message_changed` (an edit, an unfurl, a parent's reply count, a deleted parent turned
    /// `tombstone`) or the legacy `message_replied`: the message as it is now, and as it was.
    Changed {
        channel: String,
        message: Map<String, Value>,
        previous: Option<Map<String, Value>>,
        at: Option<Ts>,
    },
    /// `message_deleted`.
    Deleted {
        channel: String,
        ts: Ts,
        previous: Option<Map<String, Value>>,
        at: Option<Ts>,
    },
    /// `reaction_added` / `reaction_removed` on a message.
    Reaction {
        channel: String,
        ts: Ts,
        name: String,
        user: String,
        added: bool,
        at: Option<Ts>,
    },
    /// `channel_rename` / `group_rename`.
    Renamed { channel: String, name: String },
    /// `channel_archive` / `channel_unarchive` (and the `group_` ones).
    Archived { channel: String, archived: bool },
    /// `user_change` / `team_join`: the full user object.
    User { user: Map<String, Value> },
    /// An editor's act on a message, recorded by `serve` itself (never read from a request;
    /// see [`super::editorial`]).
    Editorial {
        channel: String,
        ts: Ts,
        entry: crate::content::EditorialEntry,
    },
    /// `app_mention`: someone wrote to the app (`@scrollback status`). `serve` answers it when it
    /// is first recorded (never on a retry or a replay); nothing is applied to `content/` (the
    /// message itself comes as a `message` event).
    Mention {
        channel: String,
        user: String,
        text: String,
        ts: Ts,
        /// The thread it was written in, to answer there.
        thread_ts: Option<Ts>,
    },
    /// A valid event scrollback has no use for (`member_joined_channel`, a reaction to a
    /// file…): acknowledged, not applied.
    Ignored { kind: String },
}

/// A checked `event_callback`.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// Slack's `event_id`: the same for every retry of one event.
    pub id: String,
    pub event: Event,
}

/// Why an envelope is refused (a 400: Slack sent something this receiver cannot use).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

fn malformed(msg: impl Into<String>) -> Malformed {
    Malformed(msg.into())
}

fn string(m: &Map<String, Value>, key: &str, what: &str) -> Result<String, Malformed> {
    m.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| malformed(format!("{what} has no `{key}`")))
}

fn ts_field(m: &Map<String, Value>, key: &str, what: &str) -> Result<Ts, Malformed> {
    let text = string(m, key, what)?;
    Ts::parse(&text).map_err(|e| malformed(format!("{what}: `{key}`: {e}")))
}

fn object(m: &Map<String, Value>, key: &str, what: &str) -> Result<Map<String, Value>, Malformed> {
    m.get(key)
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| malformed(format!("{what} has no `{key}` object")))
}

/// The time of the event itself (`event_ts`), when Slack gives one.
fn event_time(e: &Map<String, Value>) -> Option<Ts> {
    e.get("event_ts")
        .and_then(Value::as_str)
        .and_then(|s| Ts::parse(s).ok())
}

/// Checks an `event_callback` envelope (`{"type": "event_callback", "event_id": …, "event": {…}}`).
pub fn parse(envelope: &Map<String, Value>) -> Result<Callback, Malformed> {
    let id = string(envelope, "event_id", "the event_callback")?;
    if id.len() > 100 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(malformed(format!(
            "`event_id` {:?} is not a Slack event id",
            id.chars().take(40).collect::<String>()
        )));
    }
    let e = object(envelope, "event", "the event_callback")?;
    let event = parse_event(&e).map_err(|m| malformed(format!("event {id}: {}", m.0)))?;
    Ok(Callback { id, event })
}

fn parse_event(e: &Map<String, Value>) -> Result<Event, Malformed> {
    let kind = string(e, "type", "the event")?;
    let what = format!("the {kind} event");
    Ok(match kind.as_str() {
        "message" => parse_message(e)?,
        "reaction_added" | "reaction_removed" => {
            let item = object(e, "item", &what)?;
            if item.get("type").and_then(Value::as_str) != Some("message") {
                return Ok(Event::Ignored {
                    kind: format!("{kind} on a file"),
                });
            }
            Event::Reaction {
                channel: string(&item, "channel", &format!("{what}'s item"))?,
                ts: ts_field(&item, "ts", &format!("{what}'s item"))?,
                name: string(e, "reaction", &what)?,
                user: string(e, "user", &what)?,
                added: kind == "reaction_added",
                at: event_time(e),
            }
        }
        "channel_rename" | "group_rename" => {
            let channel = object(e, "channel", &what)?;
            Event::Renamed {
                channel: string(&channel, "id", &what)?,
                name: string(&channel, "name", &what)?,
            }
        }
        "channel_archive" | "group_archive" | "channel_unarchive" | "group_unarchive" => {
            Event::Archived {
                channel: string(e, "channel", &what)?,
                archived: kind.ends_with("_archive"),
            }
        }
        "user_change" | "team_join" => {
            let user = object(e, "user", &what)?;
            string(&user, "id", &format!("{what}'s user"))?;
            Event::User { user }
        }
        "app_mention" => parse_mention(e),
        _ => Event::Ignored { kind },
    })
}

/// A mention to answer; one that is an edit, from a bot (another app's echo), or lacks what an
/// answer needs is acknowledged and ignored.
fn parse_mention(e: &Map<String, Value>) -> Event {
    let what = "the app_mention event";
    let fields = (|| {
        Ok::<_, Malformed>((
            string(e, "channel", what)?,
            string(e, "user", what)?,
            string(e, "text", what)?,
            ts_field(e, "ts", what)?,
        ))
    })();
    match fields {
        Ok((channel, user, text, ts)) if !e.contains_key("edited") && !e.contains_key("bot_id") => {
            Event::Mention {
                channel,
                user,
                text,
                ts,
                thread_ts: e
                    .get("thread_ts")
                    .and_then(Value::as_str)
                    .and_then(|t| Ts::parse(t).ok()),
            }
        }
        _ => Event::Ignored {
            kind: "app_mention (edited, from a bot, or incomplete)".to_owned(),
        },
    }
}

/// Keys of a message event that describe the delivery, not the message (exports never have them).
const DELIVERY_KEYS: &[&str] = &["channel", "event_ts", "channel_type"];

fn message_object(mut m: Map<String, Value>) -> Map<String, Value> {
    for key in DELIVERY_KEYS {
        m.remove(*key);
    }
    m
}

fn parse_message(e: &Map<String, Value>) -> Result<Event, Malformed> {
    let subtype = e.get("subtype").and_then(Value::as_str).unwrap_or("");
    let what = if subtype.is_empty() {
        "the message event".to_owned()
    } else {
        format!("the {subtype} message event")
    };
    let channel = string(e, "channel", &what)?;
    Ok(match subtype {
        "message_changed" | "message_replied" => {
            let message = object(e, "message", &what)?;
            ts_field(&message, "ts", &format!("{what}'s message"))?;
            let previous = e
                .get("previous_message")
                .and_then(Value::as_object)
                .filter(|p| p.get("ts") == message.get("ts"))
                .cloned()
                .map(message_object);
            Event::Changed {
                channel,
                message: message_object(message),
                previous,
                at: event_time(e),
            }
        }
        "message_deleted" => Event::Deleted {
            ts: ts_field(e, "deleted_ts", &what)?,
            previous: e
                .get("previous_message")
                .and_then(Value::as_object)
                .cloned()
                .map(message_object),
            channel,
            at: event_time(e),
        },
        _ => {
            // `channel_topic`, `channel_purpose` and `channel_name` notices are messages of
            // the chat too; `apply` also updates the `[slack]` table from them.
            ts_field(e, "ts", &what)?;
            Event::Message {
                channel,
                message: message_object(e.clone()),
            }
        }
    })
}

/// A short description of an event for logs: its kind and where.
pub fn describe(event: &Event) -> String {
    match event {
        Event::Message { channel, message } => format!(
            "{} in {channel}",
            message
                .get("subtype")
                .and_then(Value::as_str)
                .unwrap_or("message")
        ),
        Event::Changed { channel, .. } => format!("message_changed in {channel}"),
        Event::Deleted { channel, ts, .. } => format!("message_deleted {ts} in {channel}"),
        Event::Reaction {
            channel,
            added,
            name,
            ..
        } => format!(
            "{} :{name}: in {channel}",
            if *added {
                "reaction_added"
            } else {
                "reaction_removed"
            }
        ),
        Event::Renamed { channel, name } => format!("rename of {channel} to #{name}"),
        Event::Archived { channel, archived } => format!(
            "{} of {channel}",
            if *archived { "archive" } else { "unarchive" }
        ),
        Event::User { user } => format!(
            "user_change {}",
            user.get("id").and_then(Value::as_str).unwrap_or("?")
        ),
        Event::Editorial { channel, ts, entry } => format!(
            "{} of {ts} in {channel} by {} ({})",
            entry.act.name(),
            entry.by,
            entry.via
        ),
        Event::Mention { channel, user, .. } => format!("app_mention in {channel} by {user}"),
        Event::Ignored { kind } => format!("{kind} (ignored)"),
    }
}

/// The `type` of an envelope, or an error naming what is wrong.
pub fn envelope_type(envelope: &Value) -> Result<(&Map<String, Value>, &str)> {
    let Some(obj) = envelope.as_object() else {
        bail!("the body is JSON but not an object");
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .context("the body has no `type`")?;
    Ok((obj, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(event: Value) -> Map<String, Value> {
        json!({"type": "event_callback", "event_id": "Ev1", "event": event})
            .as_object()
            .unwrap()
            .clone()
    }

    fn refusal(event: Value) -> String {
        parse(&envelope(event)).unwrap_err().0
    }

    #[test]
    fn what_slack_sends_is_understood() {
        let c = parse(&envelope(
            json!({"type": "message", "channel": "C1", "user": "U1",
            "text": "hi", "ts": "1.000001", "event_ts": "1.000001", "channel_type": "channel"}),
        ))
        .unwrap();
        let Event::Message { channel, message } = c.event else {
            panic!("{c:?}")
        };
        assert_eq!(channel, "C1");
        assert!(message.get("channel").is_none() && message.get("event_ts").is_none());
        let c = parse(&envelope(
            json!({"type": "message", "subtype": "message_deleted",
            "channel": "C1", "deleted_ts": "1.000001", "event_ts": "2.000000"}),
        ))
        .unwrap();
        assert!(matches!(c.event, Event::Deleted { ref ts, .. } if ts.as_str() == "1.000001"));
        let c = parse(&envelope(
            json!({"type": "reaction_added", "user": "U1", "reaction": "x",
            "item": {"type": "file", "file": "F1"}}),
        ))
        .unwrap();
        assert!(matches!(c.event, Event::Ignored { .. }));
        let c = parse(&envelope(
            json!({"type": "member_joined_channel", "user": "U1"}),
        ))
        .unwrap();
        assert!(matches!(c.event, Event::Ignored { ref kind } if kind == "member_joined_channel"));
        let c = parse(&envelope(
            json!({"type": "app_mention", "channel": "C1", "user": "U1", "ts": "2.000100",
                   "thread_ts": "1.000100", "text": "<@UBOT> status", "event_ts": "2.000100"}),
        ))
        .unwrap();
        assert!(
            matches!(c.event, Event::Mention { ref text, thread_ts: Some(ref t), .. }
                if text == "<@UBOT> status" && t.as_str() == "1.000100"),
            "{c:?}"
        );
        // An edit of a mention is not a new request.
        let c = parse(&envelope(
            json!({"type": "app_mention", "channel": "C1", "user": "U1", "ts": "2.000100",
                   "text": "<@UBOT> live", "edited": {"user": "U1", "ts": "3.000000"}}),
        ))
        .unwrap();
        assert!(matches!(c.event, Event::Ignored { .. }), "{c:?}");
    }

    #[test]
    fn unusable_events_are_refused_with_the_reason() {
        assert!(refusal(json!({"type": "message", "ts": "1.000001"})).contains("`channel`"));
        assert!(refusal(json!({"type": "message", "channel": "C1", "ts": "../x"})).contains("ts"));
        assert!(
            refusal(json!({"type": "message", "subtype": "message_changed", "channel": "C1"}))
                .contains("`message`")
        );
        assert!(refusal(json!({"type": "user_change", "user": {}})).contains("`id`"));
        assert!(refusal(json!({"channel": "C1"})).contains("`type`"));
        let bad_id = json!({"type": "event_callback", "event_id": "Ev/1", "event": {"type": "x"}});
        assert!(parse(bad_id.as_object().unwrap()).is_err());
    }
}
