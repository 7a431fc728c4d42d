//! What Socket Mode does with slash commands and interactions: the same work as `POST
//! /slack/commands` and `POST /slack/interactions`, handed in by `serve` (see
//! `serve::socket_handlers`) so this module does not depend on them. Each handler returns the
//! immediate answer, which goes back to Slack in the envelope's acknowledgement.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::serve::http::App;

/// A handler's answer, to be awaited.
pub type Answer<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The handlers. Plain functions, so wiring one is a closure without captures:
/// `|app, fields| Box::pin(async move { commands::handle_command(&app, &fields).await })`.
#[derive(Clone, Copy)]
pub struct Handlers {
    /// A slash command's fields (`command`, `text`, `user_id`, `channel_id`, `response_url`,
    /// `trigger_id`, …: the form `POST /slack/commands` takes, as JSON strings) → the immediate
    /// response body (`Null` for none).
    pub command: fn(Arc<App>, Map<String, Value>) -> Answer<Value>,
    /// An interaction payload (`type`: `message_action`, `view_submission`, `block_actions`,
    /// …: what `POST /slack/interactions` takes as `payload=`) → the immediate response body,
    /// if any (a `response_action` for a view submission).
    pub interaction: fn(Arc<App>, Value) -> Answer<Option<Value>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handlers")
    }
}

/// What an editor sees while commands and interactions are not handled over Socket Mode.
pub const NOT_YET: &str = "scrollback cannot answer this over Socket Mode yet";

impl Handlers {
    /// Commands and interactions answered with [`NOT_YET`] (ephemeral), each with a log line.
    pub const NOT_YET: Handlers = Handlers {
        command: not_yet_command,
        interaction: not_yet_interaction,
    };
}

fn not_yet() -> Value {
    json!({"response_type": "ephemeral", "text": NOT_YET})
}

fn not_yet_command(_: Arc<App>, fields: Map<String, Value>) -> Answer<Value> {
    let field = |k: &str| {
        let text = fields.get(k).and_then(Value::as_str).unwrap_or("?");
        text.chars().take(40).collect::<String>()
    };
    tracing::warn!(
        "a slash command {} from {} in {} came over Socket Mode, which does not handle \
         commands yet: answered that it cannot",
        field("command"),
        field("user_id"),
        field("channel_id")
    );
    Box::pin(async { not_yet() })
}

fn not_yet_interaction(_: Arc<App>, payload: Value) -> Answer<Option<Value>> {
    let kind = payload["type"].as_str().unwrap_or("?");
    let callback = payload["callback_id"].as_str().unwrap_or("");
    tracing::warn!(
        "an interaction ({} {}) came over Socket Mode, which does not handle interactions yet: \
         acknowledged without acting",
        kind.chars().take(40).collect::<String>(),
        callback.chars().take(40).collect::<String>()
    );
    Box::pin(async { Some(not_yet()) })
}
