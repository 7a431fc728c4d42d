//! Ephemeral answers to an editor (only they see them): a refusal, a confirmation, or why an
//! act could not be done. Sent through the interaction's `response_url` (no token needed), or
//! with `chat.postEphemeral` and the bot token of the user's workspace when there is no usable
//! `response_url`.
//!
//! They are sent after Slack has its HTTP answer (spawned), so a slow Slack never makes an
//! interaction miss its 3-second limit; a failure is a log line, nothing more.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::serve::http::App;

/// Tells the user who made `payload` `text`, in the background.
pub(super) fn ephemeral(app: &Arc<App>, payload: &Value, text: String) {
    let response_url = payload
        .get("response_url")
        .and_then(Value::as_str)
        .filter(|url| crate::http_client::check_api_url(url, "response_url", "answer").is_ok())
        .map(str::to_owned);
    let channel = payload["channel"]["id"].as_str().map(str::to_owned);
    let user = payload["user"]["id"].as_str().map(str::to_owned);
    let slack = app.slack_for(payload["team"]["id"].as_str());
    tokio::spawn(async move {
        let sent = match (response_url, slack, channel, user) {
            (Some(url), _, _, _) => post_response(&url, &text).await,
            (None, Some(client), Some(channel), Some(user)) => client
                .call(
                    "chat.postEphemeral",
                    &[("channel", channel), ("user", user), ("text", text)],
                )
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            _ => Err("no response_url and no bot token to answer with".to_owned()),
        };
        if let Err(e) = sent {
            tracing::warn!("could not answer an editor in Slack: {e}");
        }
    });
}

async fn post_response(url: &str, text: &str) -> Result<(), String> {
    let client = crate::slack::download::http_client().map_err(|e| format!("{e:#}"))?;
    let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("response_url: {}", e.without_url()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("response_url answered {}", response.status()))
    }
}
