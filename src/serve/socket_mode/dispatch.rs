//! What each envelope does, and whether it is acknowledged: an event is acknowledged only once
//! it is in the journal ([`record_event`], the path HTTP events take too), so an event that
//! could not be recorded is redelivered by Slack; commands and interactions go to the
//! [`Handlers`] and are acknowledged with their answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::envelope::{Envelope, ack};
use super::handlers::Handlers;
use crate::events;
use crate::serve::http::App;
use crate::serve::record::{Outcome, record_event};

/// How long a handler may take before its envelope is acknowledged without an answer: Slack
/// waits three seconds for the acknowledgement.
const ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// Handles `envelope`; the acknowledgement to send, or `None` to leave it to Slack to send again.
pub async fn dispatch(app: Arc<App>, handlers: Handlers, envelope: Envelope) -> Option<String> {
    let Envelope {
        ref id,
        ref kind,
        ref payload,
        ..
    } = envelope;
    match kind.as_str() {
        "events_api" => {
            match events::envelope_type(payload) {
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
            match record_event(&app.journal, envelope.payload.clone(), &note).await {
                // A malformed event stays malformed: acknowledged, so Slack stops sending it.
                Outcome::Recorded | Outcome::Malformed => Some(ack(id, None)),
                Outcome::NotRecorded => None,
            }
        }
        "slash_commands" => {
            let Value::Object(fields) = envelope.payload.clone() else {
                tracing::warn!("refused a slash_commands envelope whose payload is no object");
                return Some(ack(id, None));
            };
            let answer = within_time("a slash command", (handlers.command)(app, fields)).await;
            Some(ack(id, answer))
        }
        "interactive" => {
            let answer = (handlers.interaction)(app, envelope.payload.clone());
            Some(ack(
                id,
                within_time("an interaction", answer).await.flatten(),
            ))
        }
        other => {
            tracing::info!(
                "acknowledged an envelope of a type scrollback does not handle: {other:?}"
            );
            Some(ack(id, None))
        }
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
