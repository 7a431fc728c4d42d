//! Socket Mode's messages, as Slack documents them: `hello` once a link is up, `disconnect`
//! when Slack wants the app on a new link, and envelopes (`events_api`, `slash_commands`,
//! `interactive`), each of which the app acknowledges with `{"envelope_id": …}` (and, where
//! Slack takes one, a `payload` answering it).

use serde_json::{Map, Value, json};

/// One message from Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The link is up. `connections`: how many links the app has open now.
    Hello { connections: Option<u64> },
    /// Slack will close this link: `warning` (in about ten seconds), `refresh_requested`, or
    /// `link_disabled` (Socket Mode was turned off in the app's settings).
    Disconnect { reason: String },
    /// Something to acknowledge.
    Envelope(Envelope),
    /// A message of a type this receiver does not know (logged, ignored).
    Other { kind: String },
}

/// An envelope: what Slack would have POSTed over HTTP, in `payload`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: String,
    /// `events_api`, `slash_commands`, `interactive`.
    pub kind: String,
    pub payload: Value,
    /// Set on a redelivery of an event that was not acknowledged in time.
    pub retry_attempt: u64,
    pub retry_reason: String,
}

impl Envelope {
    /// " (retry N: REASON)" on a redelivery, else "": for log lines.
    pub fn retry_note(&self) -> String {
        if self.retry_attempt == 0 {
            return String::new();
        }
        let reason = if self.retry_reason.is_empty() {
            "no reason given"
        } else {
            &self.retry_reason
        };
        format!(" (retry {}: {reason})", self.retry_attempt)
    }
}

/// Reads one text message.
pub fn parse(text: &str) -> Result<Incoming, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut fields) = value else {
        return Err("not a JSON object".to_owned());
    };
    let kind = short(&fields, "type").ok_or("no `type`")?;
    if let Some(id) = fields.get("envelope_id") {
        let id = id
            .as_str()
            .filter(|id| is_envelope_id(id))
            .ok_or("an `envelope_id` that is not one")?
            .to_owned();
        let payload = fields.remove("payload").unwrap_or(Value::Null);
        return Ok(Incoming::Envelope(Envelope {
            id,
            kind,
            payload,
            retry_attempt: fields
                .get("retry_attempt")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            retry_reason: short(&fields, "retry_reason").unwrap_or_default(),
        }));
    }
    Ok(match kind.as_str() {
        "hello" => Incoming::Hello {
            connections: fields.get("num_connections").and_then(Value::as_u64),
        },
        "disconnect" => Incoming::Disconnect {
            reason: short(&fields, "reason").unwrap_or_else(|| "no reason given".to_owned()),
        },
        _ => Incoming::Other { kind },
    })
}

/// The acknowledgement of envelope `id`, with an answer where Slack takes one.
pub fn ack(id: &str, payload: Option<Value>) -> String {
    match payload {
        Some(payload) if !payload.is_null() => {
            json!({"envelope_id": id, "payload": payload}).to_string()
        }
        _ => json!({"envelope_id": id}).to_string(),
    }
}

/// A string field, at most 60 characters of it (it goes into log lines).
fn short(fields: &Map<String, Value>, key: &str) -> Option<String> {
    let text = fields.get(key)?.as_str()?;
    Some(text.chars().take(60).collect())
}

/// Slack's envelope ids are UUIDs; anything short and printable is echoed back as given.
fn is_envelope_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slacks_documented_messages_are_read() {
        let hello = r#"{"type":"hello","num_connections":2,"debug_info":{"host":"applink-1",
            "build_number":10,"approximate_connection_time":18060},
            "connection_info":{"app_id":"A01"}}"#;
        assert_eq!(
            parse(hello).unwrap(),
            Incoming::Hello {
                connections: Some(2)
            }
        );
        let disconnect = r#"{"type":"disconnect","reason":"warning","debug_info":{"host":"h"}}"#;
        assert_eq!(
            parse(disconnect).unwrap(),
            Incoming::Disconnect {
                reason: "warning".into()
            }
        );
        let event = r#"{"envelope_id":"dbdd0ef3-1543-4f94-bfb4-133d0e6c1545","type":"events_api",
            "payload":{"type":"event_callback","event_id":"Ev1"},"accepts_response_payload":false,
            "retry_attempt":1,"retry_reason":"timeout"}"#;
        let Incoming::Envelope(envelope) = parse(event).unwrap() else {
            panic!("an envelope")
        };
        assert_eq!(envelope.id, "dbdd0ef3-1543-4f94-bfb4-133d0e6c1545");
        assert_eq!(envelope.kind, "events_api");
        assert_eq!(envelope.payload["event_id"], "Ev1");
        assert_eq!(envelope.retry_note(), " (retry 1: timeout)");
        assert_eq!(
            parse(r#"{"type":"something_new"}"#).unwrap(),
            Incoming::Other {
                kind: "something_new".into()
            }
        );
    }

    #[test]
    fn what_is_not_a_message_is_refused() {
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"type":"events_api","envelope_id":""}"#,
            r#"{"type":"events_api","envelope_id":"a b"}"#,
            r#"{"type":"events_api","envelope_id":7}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn acks_carry_the_envelope_id_and_an_answer_only_when_there_is_one() {
        assert_eq!(ack("e1", None), r#"{"envelope_id":"e1"}"#);
        assert_eq!(ack("e1", Some(Value::Null)), r#"{"envelope_id":"e1"}"#);
        let answered: Value =
            serde_json::from_str(&ack("e1", Some(json!({"text": "hi"})))).unwrap();
        assert_eq!(
            answered,
            json!({"envelope_id": "e1", "payload": {"text": "hi"}})
        );
    }
}
