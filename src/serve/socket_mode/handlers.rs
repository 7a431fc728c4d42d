//! What Socket Mode does with slash commands and interactions: the same work as `POST
//! /slack/commands` and `POST /slack/interactions`, handed in by `serve` (see
//! `serve::socket_handlers`) so this module does not depend on them. Each handler returns the
//! immediate answer, which goes back to Slack in the envelope's acknowledgement.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::serve::http::App;

/// A handler's answer, to be awaited.
pub type Answer<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// An interaction's immediate answer, or why it was not recorded.
pub type InteractionAnswer = Result<Option<Value>, String>;

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
    /// if any (a `response_action` for a view submission), or why it was not recorded (then
    /// the envelope is not acknowledged, and Slack sends it again).
    pub interaction: fn(Arc<App>, Value) -> Answer<InteractionAnswer>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handlers")
    }
}
