//! The ids the live chats' messages already name without a file in `content/users/`, found
//! once when `serve` starts (issue 13, item 4).
//!
//! [`super::names`] looks up the ids of the events it receives; a chat that ran before a token
//! was set, or whose look-ups failed, still shows `U0EDITOR` until that author speaks again.
//! This scan runs on a thread of its own (it reads every message file of the live chats, which
//! must not hold events up) and hands its ids over in one batch; the look-ups then go through
//! the same queue, pacing and once-per-id rule as the events' own.

use std::collections::HashSet;
use std::sync::mpsc;

use anyhow::Result;

use super::names::{Named, ids_in};
use crate::content::user::UserId;
use crate::content::{ChatState, ContentLayout, MessageRecord};
use crate::events::Event;
use crate::project::Project;

/// Starts the scan; its one batch arrives on the receiver (none if it fails, which it says).
pub fn scan(project: &Project) -> Option<mpsc::Receiver<Vec<Named>>> {
    let project = project.clone();
    let (found, batch) = mpsc::channel();
    let spawned =
        std::thread::Builder::new()
            .name("names-scan".into())
            .spawn(move || match unnamed(&project) {
                Ok(ids) => {
                    if !ids.is_empty() {
                        tracing::info!(
                            "the live chats name {} without a user file: looking them up",
                            crate::human::count(ids.len(), "id", "ids")
                        );
                    }
                    let _ = found.send(ids);
                }
                Err(e) => {
                    tracing::warn!("cannot look for unnamed authors in the live chats: {e:#}")
                }
            });
    match spawned {
        Ok(_) => Some(batch),
        Err(e) => {
            tracing::warn!("cannot look for unnamed authors in the live chats: {e}");
            None
        }
    }
}

/// Every id the live chats' messages (not deleted) name that has no user file, once each.
fn unnamed(project: &Project) -> Result<Vec<Named>> {
    let layout = project.content_layout();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for chat in project.open_store()?.load_channels()? {
        if chat.settings.state != ChatState::Live {
            continue;
        }
        for entry in crate::fsio::dir_entries(&layout.messages_dir(&chat.slug))? {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            let Ok(record) = serde_json::from_slice::<MessageRecord>(&bytes) else {
                continue;
            };
            if record.deleted {
                continue;
            }
            let event = Event::Message {
                channel: chat.settings.channel_id.clone(),
                message: record.slack,
            };
            for named in ids_in(&event) {
                if seen.insert(named.0.clone()) && !has_file(&layout, &named.0) {
                    out.push(named);
                }
            }
        }
    }
    Ok(out)
}

/// Whether `content/users/<id>.json` exists (an id that is not one never has a file).
pub fn has_file(layout: &ContentLayout, id: &str) -> bool {
    UserId::parse(id).is_ok_and(|id| layout.user_file(&id).exists())
}
