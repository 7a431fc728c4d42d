//! Catching up with what Slack sent while `serve` was down or unreachable (issue 13, item 1).
//!
//! Slack gives up on an event after a few retries; what it sent during a restart or an outage is
//! then only in the channel's history. With a token, `serve` reads the history of every live
//! chat from its newest stored message on, at start and every few minutes, and hands each message
//! to the journal as a `message` event, exactly as if Slack had sent it: one path records and
//! applies everything, so the ordering, edit and freezing rules are the events' own, and a crash
//! loses nothing the journal acknowledged. The event id is a hash of the message, so a message
//! already recorded is a duplicate the journal drops, and a message edited meanwhile is a new
//! event whose merge keeps the earlier text among its revisions.
//!
//! History is read from an hour before the newest stored message, so edits made during a short
//! gap are caught; messages stored as history has them are skipped. Not caught: deletions
//! during the gap (history no longer has the message, and its absence is no proof of deletion),
//! edits of older messages, and new replies to threads started before that window.

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Result;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::journal::{self, Ack};
use crate::content::{ChatState, Ts};
use crate::project::Project;
use crate::slack::SlackClient;
use crate::slack::client::{next_cursor, take_array};

/// How often live chats are compared with Slack's history while `serve` runs.
pub const EVERY: Duration = Duration::from_secs(5 * 60);
/// A chat with no message yet is read this far back.
const FIRST_LOOK_BACK: Duration = Duration::from_secs(24 * 60 * 60);
/// History is read from this long before the newest stored message, so messages edited during
/// the gap are caught too (those compared equal to what is stored are not sent on).
const EDIT_LOOK_BACK: Duration = Duration::from_secs(60 * 60);

/// Reads the history of every live chat and journals what the content tree lacks, now and then
/// every `every`, until the journal stops.
pub async fn run(
    project: Project,
    client: SlackClient,
    journal: mpsc::Sender<journal::Request>,
    every: Duration,
) {
    loop {
        match catch_up(&project, &client, &journal).await {
            Ok(0) => tracing::debug!("caught up with Slack: nothing missed"),
            Ok(n) => tracing::info!(
                "caught up with Slack: {} the live chats lacked",
                crate::human::count(n, "message", "messages")
            ),
            Err(e) if journal_stopped(&e) => return,
            Err(e) => tracing::warn!("cannot catch up with Slack's history: {e:#}"),
        }
        tokio::time::sleep(every).await;
    }
}

fn journal_stopped(e: &anyhow::Error) -> bool {
    e.to_string().contains("the journal stopped")
}

/// One round: returns how many messages were recorded (not duplicates).
async fn catch_up(
    project: &Project,
    client: &SlackClient,
    journal: &mpsc::Sender<journal::Request>,
) -> Result<usize> {
    let chats = project.open_store()?.load_channels()?;
    let layout = project.content_layout();
    let mut recorded = 0;
    for chat in chats {
        if chat.settings.state != ChatState::Live || chat.settings.channel_id.is_empty() {
            continue;
        }
        let channel = chat.settings.channel_id.clone();
        let dir = layout.messages_dir(&chat.slug);
        let newest = newest_stored(&dir)?;
        let from = match &newest {
            Some(ts) => ts
                .micros()
                .saturating_sub(EDIT_LOOK_BACK.as_micros() as u64),
            None => {
                let back = jiff::Timestamp::now() - FIRST_LOOK_BACK;
                u64::try_from(back.as_microsecond()).unwrap_or(0)
            }
        };
        let since = Ts::from_micros(from);
        for message in missed(client, &channel, &since).await? {
            if is_stored_as_is(&dir, &message) {
                continue;
            }
            if record(journal, &channel, message).await? {
                recorded += 1;
            }
        }
        tracing::debug!("{}: compared with Slack's history since {since}", chat.slug);
    }
    Ok(recorded)
}

/// Whether the content tree has this message as history has it now (same text, same edit):
/// nothing to send on.
fn is_stored_as_is(dir: &std::path::Path, message: &Value) -> bool {
    let Some(ts) = message.get("ts").and_then(Value::as_str) else {
        return true;
    };
    let Ok(bytes) = std::fs::read(dir.join(format!("{ts}.json"))) else {
        return false;
    };
    let Ok(stored) = serde_json::from_slice::<crate::content::MessageRecord>(&bytes) else {
        return false;
    };
    !stored.deleted
        && ["text", "edited", "files", "reply_count"]
            .iter()
            .all(|k| stored.slack.get(*k) == message.get(*k))
}

/// The newest message file of a chat (file names are timestamps).
fn newest_stored(dir: &std::path::Path) -> Result<Option<Ts>> {
    Ok(crate::fsio::dir_entries(dir)?
        .iter()
        .filter_map(|e| {
            let name = e.file_name();
            let stem = name.to_str()?.strip_suffix(".json")?;
            Ts::parse(stem).ok()
        })
        .max())
}

/// Messages of `channel` from `since` on (inclusive: the newest stored one may have changed),
/// with the replies of the threads among them.
async fn missed(client: &SlackClient, channel: &str, since: &Ts) -> Result<Vec<Value>> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    let mut threads = Vec::new();
    loop {
        let mut params = vec![
            ("channel", channel.to_owned()),
            ("oldest", since.as_str().to_owned()),
            ("inclusive", "true".to_owned()),
            ("limit", "200".to_owned()),
        ];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let mut answer = client.call("conversations.history", &params).await?;
        for m in take_array(&mut answer, "messages") {
            if m.get("reply_count").and_then(Value::as_u64).unwrap_or(0) > 0
                && let Some(ts) = m.get("ts").and_then(Value::as_str)
            {
                threads.push(ts.to_owned());
            }
            found.push(m);
        }
        cursor = next_cursor(&answer);
        if cursor.is_none() {
            break;
        }
    }
    let mut seen: HashSet<String> = found
        .iter()
        .filter_map(|m| m.get("ts").and_then(Value::as_str).map(str::to_owned))
        .collect();
    for parent in threads {
        let mut cursor: Option<String> = None;
        loop {
            let mut params = vec![("channel", channel.to_owned()), ("ts", parent.clone())];
            if let Some(c) = &cursor {
                params.push(("cursor", c.clone()));
            }
            let mut answer = client.call("conversations.replies", &params).await?;
            for m in take_array(&mut answer, "messages") {
                let ts = m.get("ts").and_then(Value::as_str).unwrap_or_default();
                if seen.insert(ts.to_owned()) {
                    found.push(m);
                }
            }
            cursor = next_cursor(&answer);
            if cursor.is_none() {
                break;
            }
        }
    }
    // Oldest first, as Slack would have sent them.
    found.sort_by_key(|m| {
        m.get("ts")
            .and_then(Value::as_str)
            .and_then(|t| Ts::parse(t).ok())
            .map_or(0, |t| t.micros())
    });
    Ok(found)
}

/// Journals one message as the `message` event Slack would have sent. Returns whether it was
/// new to the journal.
async fn record(
    journal: &mpsc::Sender<journal::Request>,
    channel: &str,
    message: Value,
) -> Result<bool> {
    let Value::Object(mut event) = message else {
        return Ok(false);
    };
    event.insert("type".into(), json!("message"));
    event.insert("channel".into(), json!(channel));
    let id = event_id(channel, &event);
    let envelope = json!({
        "type": "event_callback",
        "event_id": id,
        "event_time": jiff::Timestamp::now().as_second(),
        "event": event,
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    journal
        .send(journal::Request::Append {
            id,
            event: envelope,
            reply,
        })
        .map_err(|_| anyhow::anyhow!("the journal stopped"))?;
    match answer.await {
        Ok(Ok(Ack::Recorded(_))) => Ok(true),
        Ok(Ok(Ack::Duplicate)) => Ok(false),
        Ok(Err(e)) => anyhow::bail!("the journal refused a caught-up message: {e}"),
        Err(_) => anyhow::bail!("the journal stopped"),
    }
}

/// `Bf` and a hash of the channel and the message as Slack has it now: the same message is the
/// same event, an edited one a new event.
fn event_id(channel: &str, event: &Map<String, Value>) -> String {
    let mut hash = Sha256::new();
    hash.update(channel.as_bytes());
    hash.update(serde_json::to_vec(event).unwrap_or_default());
    format!("Bf{}", &hex::encode(hash.finalize())[..40])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_message_is_the_same_event_and_an_edit_a_new_one() {
        let m = |text: &str| {
            json!({"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": "1.000001"})
                .as_object()
                .unwrap()
                .clone()
        };
        let id = event_id("C1", &m("hello"));
        assert_eq!(id, event_id("C1", &m("hello")));
        assert_ne!(id, event_id("C1", &m("hello, edited")));
        assert_ne!(id, event_id("C2", &m("hello")));
        // What the event parser accepts as a Slack event id.
        assert!(id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
