//! What each envelope does, and whether it is acknowledged: an event is acknowledged only once
//! it is in the journal ([`record_event`], the path HTTP events take too), so an event that
//! could not be recorded is redelivered by Slack; commands and interactions go to the
//! [`Handlers`] and are acknowledged with their answer.

use std::future::Future;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use serde_json::Value;

use super::envelope::{Envelope, ack};
use super::handlers::Handlers;
use crate::events;
use crate::serve::http::App;
use crate::serve::record::{Outcome, record_event};
use crate::serve::{commands, journal};

/// How long a handler may take before its envelope is acknowledged without an answer: Slack
/// waits three seconds for the acknowledgement.
const ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// Handles `envelope`; the acknowledgement to send, or `None` to leave it to Slack to send again.
pub async fn dispatch(app: Arc<App>, handlers: Handlers, envelope: Envelope) -> Option<String> {
    let id = envelope.id.clone();
    match envelope.kind.as_str() {
        "events_api" => {
            // As over HTTP: a mention is answered on its first record only, with the token
            // of the workspace it came from.
            let team = envelope.payload["team_id"].as_str().map(str::to_owned);
            let answer_mention =
                |e: &events::Event| commands::answer_if_mention(&app, team.as_deref(), e);
            event(&app.journal, envelope, answer_mention).await
        }
        "slash_commands" => {
            let Value::Object(fields) = envelope.payload else {
                tracing::warn!("refused a slash_commands envelope whose payload is no object");
                return Some(ack(&id, None));
            };
            let answer = within_time("a slash command", (handlers.command)(app, fields)).await;
            Some(ack(&id, answer))
        }
        "interactive" => {
            let answer = (handlers.interaction)(app, envelope.payload);
            match within_time("an interaction", answer).await {
                Some(Ok(body)) => Some(ack(&id, body)),
                // As over HTTP, where it gets a 500: Slack sends it again.
                Some(Err(why)) => {
                    tracing::error!(
                        "an interaction over Socket Mode failed: {why}; not acknowledged"
                    );
                    None
                }
                None => Some(ack(&id, None)),
            }
        }
        other => {
            tracing::info!(
                "acknowledged an envelope of a type scrollback does not handle: {other:?}"
            );
            Some(ack(&id, None))
        }
    }
}

/// An `events_api` envelope: its `event_callback` into the journal, acknowledged once there.
async fn event(
    journal: &mpsc::Sender<journal::Request>,
    envelope: Envelope,
    first_time: impl FnOnce(&events::Event),
) -> Option<String> {
    let id = &envelope.id;
    match events::envelope_type(&envelope.payload) {
        Ok((_, "event_callback")) => {}
        Ok((_, other)) => {
            tracing::info!(
                "ignored an events_api envelope of type {:?}",
                other.chars().take(40).collect::<String>()
            );
            return Some(ack(id, None));
        }
        Err(e) => {
            tracing::warn!("refused an events_api envelope: {e}");
            return Some(ack(id, None));
        }
    }
    let note = format!(" over Socket Mode{}", envelope.retry_note());
    match record_event(journal, envelope.payload.clone(), &note, first_time).await {
        // A malformed event stays malformed: acknowledged, so Slack stops sending it.
        Outcome::Recorded | Outcome::Malformed => Some(ack(id, None)),
        Outcome::NotRecorded => None,
    }
}

/// The handler's answer if it comes in time; otherwise the envelope is acknowledged without
/// one and the handler finishes on its own.
async fn within_time<T: Send + 'static>(
    what: &str,
    answer: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    let task = tokio::spawn(answer);
    match tokio::time::timeout(ANSWER_WITHIN, task).await {
        Ok(Ok(answer)) => Some(answer),
        Ok(Err(e)) => {
            tracing::error!("{what} over Socket Mode failed: {e}; acknowledged without an answer");
            None
        }
        Err(_) => {
            tracing::warn!(
                "{what} over Socket Mode took over {} ms: acknowledged without an answer",
                ANSWER_WITHIN.as_millis()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::journal::Ack;
    use serde_json::json;

    fn envelope(payload: Value) -> Envelope {
        Envelope {
            id: "env-1".into(),
            kind: "events_api".into(),
            payload,
            retry_attempt: 0,
            retry_reason: String::new(),
        }
    }

    fn callback(event_id: &str) -> Value {
        json!({"type": "event_callback", "event_id": event_id,
               "event": {"type": "message", "channel": "C1", "user": "U1", "text": "hi",
                         "ts": "1700000001.000100"}})
    }

    /// A journal that answers every append with `answer`, and counts them.
    fn journal(
        answer: Result<Ack, String>,
    ) -> (mpsc::Sender<journal::Request>, mpsc::Receiver<String>) {
        let (requests, received) = mpsc::channel();
        let (seen_tx, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for journal::Request::Append { id, reply, .. } in received {
                let _ = seen_tx.send(id);
                let _ = reply.send(answer.clone());
            }
        });
        (requests, seen)
    }

    #[tokio::test]
    async fn an_event_is_acknowledged_once_the_journal_has_it_and_never_otherwise() {
        let (recorded, seen) = journal(Ok(Ack::Recorded(1)));
        let acked = event(&recorded, envelope(callback("Ev1")), |_| {}).await;
        assert_eq!(acked.as_deref(), Some(r#"{"envelope_id":"env-1"}"#));
        assert_eq!(seen.recv().unwrap(), "Ev1");

        let (duplicate, _) = journal(Ok(Ack::Duplicate));
        assert!(
            event(&duplicate, envelope(callback("Ev1")), |_| {})
                .await
                .is_some()
        );

        // A failed write, or no journal at all: no acknowledgement, so Slack sends it again.
        let (failing, _) = journal(Err("cannot write the journal: No space left".into()));
        assert_eq!(
            event(&failing, envelope(callback("Ev1")), |_| {}).await,
            None
        );
        let (gone, receiver) = mpsc::channel();
        drop(receiver);
        assert_eq!(event(&gone, envelope(callback("Ev1")), |_| {}).await, None);
    }

    #[tokio::test]
    async fn what_can_never_be_recorded_is_acknowledged_without_reaching_the_journal() {
        let (journal, seen) = journal(Ok(Ack::Recorded(1)));
        for payload in [
            json!({"type": "event_callback", "event_id": "Ev1"}),
            json!({"type": "app_rate_limited"}),
            json!("not an object"),
        ] {
            assert!(
                event(&journal, envelope(payload.clone()), |_| {})
                    .await
                    .is_some(),
                "{payload}"
            );
        }
        drop(journal);
        assert!(seen.recv().is_err(), "nothing was appended");
    }
}
