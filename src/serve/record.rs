//! Recording one `event_callback` from Slack in the journal: the one path by which an event is
//! accepted, whether it came over HTTP (`POST /slack/events`, [`super::http`]) or Socket Mode
//! ([`super::socket_mode`]), so both get the same durability and the same de-duplication by
//! `event_id`. The caller turns the outcome into its own answer (a status code, or an envelope
//! acknowledged or not); the log line is written here, once.

use std::sync::mpsc;

use serde_json::Value;

use super::journal::{self, Ack};
use crate::events;

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// In the journal (now, or already: a retry): Slack may be told it arrived.
    Recorded,
    /// Not an event this receiver can use; asking again will not change that.
    Malformed,
    /// Could not be recorded: Slack must not be told it arrived, so it sends it again.
    NotRecorded,
}

/// Records `envelope` (a whole `event_callback`) durably, unless its `event_id` was seen
/// recently. `note` ends the log line: how it came (" (retry 1: http_timeout)").
/// `first_time` is called with the event when it is recorded now (not for a retry), for what
/// must happen once per event whatever the replays (answering an `@scrollback` mention).
pub async fn record_event(
    journal: &mpsc::Sender<journal::Request>,
    envelope: Value,
    note: &str,
    first_time: impl FnOnce(&events::Event),
) -> Outcome {
    let parsed = match envelope.as_object() {
        Some(fields) => events::parse(fields),
        None => Err(events::Malformed(
            "the event_callback is not an object".into(),
        )),
    };
    let callback = match parsed {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("refused an event: {e}");
            return Outcome::Malformed;
        }
    };
    let what = events::describe(&callback.event);
    match journal::append(journal, callback.id.clone(), envelope).await {
        Ok(Ack::Recorded(seq)) => {
            tracing::info!("event {} ({what}) recorded as #{seq}{note}", callback.id);
            first_time(&callback.event);
            Outcome::Recorded
        }
        Ok(Ack::Duplicate) => {
            tracing::info!(
                "event {} ({what}) was already recorded: acknowledged again{note}",
                callback.id
            );
            Outcome::Recorded
        }
        Err(e) => {
            tracing::error!(
                "event {} ({what}) not recorded: {e}; not acknowledged, Slack will retry",
                callback.id
            );
            Outcome::NotRecorded
        }
    }
}
