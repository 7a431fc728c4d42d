//! Editors' message shortcuts (issue 14): `POST /slack/interactions` hands the decoded
//! `payload` to [`handle_interaction`], and so does Socket Mode, so both paths act alike.
//!
//! The shortcuts (callback ids are a contract): `scrollback_hide`, `scrollback_show`,
//! `scrollback_pin` (pins, or unpins a pinned message: one shortcut that toggles, since Slack's
//! message menu has room for few), `scrollback_edit` (opens a modal, [`edit_modal`], whose
//! `view_submission` publishes the editor's text or the author's again). Only editors act;
//! anyone else gets a polite ephemeral refusal ([`reply`]) and nothing changes.
//!
//! An act becomes a `scrollback_act` journal entry ([`crate::events::act_envelope`]) recorded
//! before Slack gets its answer; the publisher applies it with Slack's events, in order, and
//! rebuilds. Its id comes from Slack's payload (the `trigger_id`), so a retried request is one
//! act.

mod edit_modal;
mod reply;

use std::sync::Arc;

use serde_json::Value;

use super::http::App;
use super::journal::{self, Ack};
use crate::content::{Act, EditorialEntry, MessageRecord, Ts};
use crate::events::act_envelope;

/// The shortcuts' callback ids.
pub const HIDE: &str = "scrollback_hide";
pub const SHOW: &str = "scrollback_show";
pub const PIN: &str = "scrollback_pin";
pub const EDIT: &str = edit_modal::CALLBACK_ID;

/// Why an interaction got no answer: Slack should hear an error (and may retry).
#[derive(Debug, thiserror::Error)]
pub enum InteractionError {
    /// Not an interaction payload Slack would send (a 400).
    #[error("malformed interaction: {0}")]
    Malformed(String),
    /// The act could not be recorded (a 500: Slack retries, the editor sees an error).
    #[error("not recorded: {0}")]
    NotRecorded(String),
}

/// Handles one interaction payload (already verified as Slack's). `Ok(Some(body))` is the JSON
/// of the immediate answer (a modal's `response_action`); `Ok(None)` an empty 200.
pub async fn handle_interaction(
    app: &Arc<App>,
    payload: &Value,
) -> Result<Option<Value>, InteractionError> {
    let kind = payload
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| InteractionError::Malformed("no `type`".into()))?;
    match kind {
        "message_action" => message_shortcut(app, payload).await.map(|()| None),
        "view_submission" => view_submission(app, payload).await,
        other => {
            tracing::info!(
                "ignored an interaction of type {:?}",
                other.chars().take(40).collect::<String>()
            );
            Ok(None)
        }
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn required<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, InteractionError> {
    str_at(v, path).ok_or_else(|| InteractionError::Malformed(format!("no `{}`", path.join("."))))
}

/// The editor's act's time: Slack's `action_ts` when the payload has one, else now.
fn acted_at(payload: &Value) -> Ts {
    str_at(payload, &["action_ts"])
        .and_then(|t| Ts::parse(t).ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as u64);
            Ts::from_micros(now)
        })
}

async fn message_shortcut(app: &Arc<App>, payload: &Value) -> Result<(), InteractionError> {
    let callback = required(payload, &["callback_id"])?;
    if ![HIDE, SHOW, PIN, EDIT].contains(&callback) {
        tracing::info!(
            "ignored the message shortcut {:?} (not scrollback's)",
            callback.chars().take(40).collect::<String>()
        );
        return Ok(());
    }
    let user = required(payload, &["user", "id"])?;
    let channel = required(payload, &["channel", "id"])?;
    let ts =
        required(payload, &["message", "ts"]).or_else(|_| required(payload, &["message_ts"]))?;
    let ts = Ts::parse(ts).map_err(|e| InteractionError::Malformed(e.to_string()))?;
    if !app.editorial.is_editor(user) {
        tracing::info!("refused {callback} on {channel}/{ts} by {user}: not an editor");
        reply::ephemeral(
            app,
            payload,
            "Sorry, only this site's editors can change what is published. Ask one of them, \
             or ask to be added to `editors` in scrollback.toml."
                .into(),
        );
        return Ok(());
    }
    let Some(record) = find_message(app, channel, &ts, payload).await? else {
        return Ok(());
    };
    let act = match callback {
        HIDE => Act::Hide,
        SHOW => Act::Show,
        PIN if record.pinned => Act::Unpin,
        PIN => Act::Pin,
        _ => return open_editor(app, payload, channel, &record).await,
    };
    let trigger = required(payload, &["trigger_id"])?;
    let entry = EditorialEntry {
        id: format!("shortcut:{trigger}"),
        by: user.to_owned(),
        at: acted_at(payload),
        via: "shortcut".into(),
        act,
    };
    let name = entry.act.name();
    record_act(app, channel, &ts, entry).await?;
    let done = match name {
        "hide" => "Hidden from the page.",
        "show" => "Shown on the page again.",
        "pin" => "Pinned to the top of the page (use the shortcut again to unpin).",
        _ => "Unpinned.",
    };
    reply::ephemeral(
        app,
        payload,
        format!("{done} It is published within seconds."),
    );
    Ok(())
}

/// The message a shortcut names, or None after telling the editor why there is none.
async fn find_message(
    app: &Arc<App>,
    channel: &str,
    ts: &Ts,
    payload: &Value,
) -> Result<Option<MessageRecord>, InteractionError> {
    let project = app.project.clone();
    let (channel_id, key) = (channel.to_owned(), ts.clone());
    let found = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<_>> {
        let store = project.open_store()?;
        let Some(slug) = store.slug_for_channel(&channel_id).cloned() else {
            return Ok(None);
        };
        Ok(Some(store.read_message(&slug, &key)?))
    })
    .await
    .map_err(|e| InteractionError::NotRecorded(e.to_string()))?
    .map_err(|e| InteractionError::NotRecorded(format!("{e:#}")))?;
    match found {
        None => {
            tracing::info!("refused a shortcut on {channel}/{ts}: no chat follows {channel}");
            reply::ephemeral(
                app,
                payload,
                "This conversation is not published by scrollback: there is nothing to change \
                 here."
                    .into(),
            );
            Ok(None)
        }
        Some(None) => {
            tracing::info!("refused a shortcut on {channel}/{ts}: no such message in content/");
            reply::ephemeral(
                app,
                payload,
                "scrollback does not have this message (it may predate the chat: backfill the \
                 chat first)."
                    .into(),
            );
            Ok(None)
        }
        Some(Some(record)) => Ok(Some(record)),
    }
}

/// Opens the "Edit published text" modal on the editor's screen.
async fn open_editor(
    app: &Arc<App>,
    payload: &Value,
    channel: &str,
    record: &MessageRecord,
) -> Result<(), InteractionError> {
    let trigger = required(payload, &["trigger_id"])?.to_owned();
    let Some(client) = app.slack_for(str_at(payload, &["team", "id"])) else {
        tracing::warn!("cannot open the edit modal: serve has no Slack bot token");
        reply::ephemeral(
            app,
            payload,
            "Editing needs serve to have the app's bot token (SLACK_BOT_TOKEN).".into(),
        );
        return Ok(());
    };
    let current = record
        .override_text
        .as_deref()
        .unwrap_or_else(|| record.text());
    let target = edit_modal::Target {
        channel: channel.to_owned(),
        ts: record.ts.to_string(),
    };
    let view = edit_modal::view(&target, current, record.override_text.is_some());
    if let Err(e) = client
        .call(
            "views.open",
            &[("trigger_id", trigger), ("view", view.to_string())],
        )
        .await
    {
        tracing::warn!("could not open the edit modal: {e}");
        reply::ephemeral(app, payload, format!("Could not open the editor: {e}"));
    }
    Ok(())
}

/// A submitted edit modal: the editor's text, or the author's again.
async fn view_submission(
    app: &Arc<App>,
    payload: &Value,
) -> Result<Option<Value>, InteractionError> {
    let view = &payload["view"];
    if str_at(view, &["callback_id"]) != Some(EDIT) {
        return Ok(None);
    }
    let user = required(payload, &["user", "id"])?;
    if !app.editorial.is_editor(user) {
        tracing::info!("refused an edit by {user}: not an editor");
        return Ok(Some(edit_modal::errors(
            "Sorry, only this site's editors can change what is published.",
        )));
    }
    let target = str_at(view, &["private_metadata"])
        .and_then(edit_modal::Target::from_metadata)
        .ok_or_else(|| InteractionError::Malformed("the modal names no message".into()))?;
    let ts = Ts::parse(&target.ts).map_err(|e| InteractionError::Malformed(e.to_string()))?;
    let act = match edit_modal::answer(view) {
        edit_modal::Answer::Text(text) => Act::Edit { text },
        edit_modal::Answer::Revert => Act::Revert,
        edit_modal::Answer::Invalid(why) => return Ok(Some(edit_modal::errors(why))),
    };
    if find_message(app, &target.channel, &ts, payload)
        .await?
        .is_none()
    {
        return Ok(Some(edit_modal::errors(
            "scrollback no longer publishes this message.",
        )));
    }
    // One submission, one act: a retried request carries the same trigger (or view).
    let id = str_at(payload, &["trigger_id"])
        .or_else(|| str_at(view, &["id"]))
        .ok_or_else(|| InteractionError::Malformed("no `trigger_id`".into()))?;
    let entry = EditorialEntry {
        id: format!("edit:{id}"),
        by: user.to_owned(),
        at: acted_at(payload),
        via: "shortcut".into(),
        act,
    };
    record_act(app, &target.channel, &ts, entry).await?;
    Ok(None)
}

/// Records an act in the journal and waits until it is durable.
async fn record_act(
    app: &Arc<App>,
    channel: &str,
    ts: &Ts,
    entry: EditorialEntry,
) -> Result<(), InteractionError> {
    let what = format!("{} of {channel}/{ts} by {}", entry.act.name(), entry.by);
    let (id, envelope) = act_envelope(channel, ts, &entry);
    match journal::append(&app.journal, id.clone(), envelope).await {
        Ok(Ack::Recorded(seq)) => {
            tracing::info!("editor's act {id} ({what}) recorded as #{seq}");
            Ok(())
        }
        Ok(Ack::Duplicate) => {
            tracing::info!("editor's act {id} ({what}) was already recorded");
            Ok(())
        }
        Err(e) => {
            tracing::error!("editor's act {id} ({what}) not recorded: {e}");
            Err(InteractionError::NotRecorded(e.to_string()))
        }
    }
}
