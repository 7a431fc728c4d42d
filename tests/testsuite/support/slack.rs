//! Slack's side of the Events API, written independently of the server's code: request
//! signing (checked against Slack's own SDK in the serve tests) and event payloads as Slack
//! sends them.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`: how Slack signs a request.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

/// Unix time now, in seconds (Slack's request timestamp).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An `event_callback` envelope around `event`.
pub fn callback(id: &str, event: Value) -> Value {
    json!({
        "token": "legacy-token-unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": id,
        "event_time": 1_700_000_000,
        "event": event,
    })
}

pub fn message(id: &str, channel: &str, ts: &str, user: &str, text: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
               "event_ts": ts, "channel_type": "channel"}),
    )
}

pub fn reply(id: &str, channel: &str, ts: &str, parent: &str, text: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "channel": channel, "user": "U2", "text": text, "ts": ts,
               "thread_ts": parent, "event_ts": ts, "channel_type": "channel"}),
    )
}

pub fn edit(
    id: &str,
    channel: &str,
    ts: &str,
    text: &str,
    at: &str,
    previous: Option<&str>,
) -> Value {
    let mut event = json!({"type": "message", "subtype": "message_changed", "hidden": true,
        "channel": channel, "ts": at, "event_ts": at,
        "message": {"type": "message", "user": "U1", "text": text, "ts": ts,
                    "edited": {"user": "U1", "ts": at}}});
    if let Some(prev) = previous {
        event["previous_message"] =
            json!({"type": "message", "user": "U1", "text": prev, "ts": ts});
    }
    callback(id, event)
}

pub fn delete(id: &str, channel: &str, ts: &str, at: &str) -> Value {
    callback(
        id,
        json!({"type": "message", "subtype": "message_deleted", "hidden": true, "channel": channel,
               "deleted_ts": ts, "ts": at, "event_ts": at}),
    )
}

pub fn reaction(
    id: &str,
    channel: &str,
    ts: &str,
    name: &str,
    user: &str,
    added: bool,
    at: &str,
) -> Value {
    callback(
        id,
        json!({"type": if added { "reaction_added" } else { "reaction_removed" }, "user": user,
               "reaction": name, "item_user": "U1",
               "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": at}),
    )
}

/// The Python of `.venv` when Slack's own SDK (`slack_sdk`) is installed there, for the tests
/// that cross-check against it; `None` (the test is skipped, saying so) without it, unless
/// `SCROLLBACK_REQUIRE_TOOLS` is set, as in `scripts/test`, which installs it.
pub fn python_with_slack_sdk() -> Option<std::path::PathBuf> {
    python_with("slack_sdk")
}

/// The tests' Python (`.venv`) when it has `module` (scripts/test installs slack_sdk, and moto
/// with PyYAML); `None` (the test is skipped) without it, unless SCROLLBACK_REQUIRE_TOOLS says
/// the tools must be there.
pub fn python_with(module: &str) -> Option<std::path::PathBuf> {
    let python = crate::support::project::repo().join(".venv/bin/python");
    let available = python.exists()
        && std::process::Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .status()
            .is_ok_and(|s| s.success());
    if available {
        return Some(python);
    }
    assert!(
        std::env::var_os("SCROLLBACK_REQUIRE_TOOLS").is_none(),
        "{module} is not installed in .venv (scripts/test installs it)"
    );
    eprintln!("skipped: {module} is not installed in .venv (scripts/test installs it)");
    None
}
