//! Names and pictures the build looks up while rendering: users, their kept avatars, chats,
//! custom emoji. Read once from the content tree, so a renamed user shows with the new name
//! everywhere after a rebuild.

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::content::{ChannelEntry, UserId, avatar, user};
use crate::render::{ChannelRef, Lookup};

/// A user as pages show them.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    /// The avatar URL of the user file (Slack's, mostly: shown only through our copy).
    pub avatar: Option<String>,
    /// The name of our copy of that avatar, without extension ([`avatar::stem`]).
    pub avatar_stem: Option<String>,
    pub is_bot: bool,
}

/// Everything a message may refer to.
#[derive(Debug, Default)]
pub struct Names {
    pub people: HashMap<String, Person>,
    /// Channel id → (name shown, URL of its page when published).
    pub channels: HashMap<String, (String, Option<String>)>,
    /// Custom emoji name → image URL.
    pub emoji: HashMap<String, String>,
    /// Kept avatar ([`Person::avatar_stem`]) → its URL on the site.
    pub avatars: HashMap<String, String>,
}

impl Names {
    /// Reads `content/users/` (in parallel: large workspaces have tens of thousands of users).
    pub fn load_people(users_dir: &std::path::Path) -> Result<HashMap<String, Person>> {
        use rayon::prelude::*;
        let mut paths = Vec::new();
        for entry in crate::fsio::dir_entries(users_dir)? {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
        paths
            .par_iter()
            .map(|path| {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let raw: Map<String, Value> = serde_json::from_slice(&bytes)
                    .with_context(|| format!("{} is not a valid user file", path.display()))?;
                let id = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                Ok((id.clone(), Person::from_raw(&id, &raw)))
            })
            .collect()
    }

    /// The URL of our copy of `person`'s current avatar, when `sync users` kept it.
    pub fn kept_avatar(&self, person: &Person) -> Option<&str> {
        self.avatars
            .get(person.avatar_stem.as_deref()?)
            .map(String::as_str)
    }

    pub fn add_channels(
        &mut self,
        chats: &[ChannelEntry],
        url_of: impl Fn(&ChannelEntry) -> String,
    ) {
        for chat in chats {
            let published = chat.settings.state.is_published();
            let url = published.then(|| url_of(chat));
            // A public page must not reveal the name of an unpublished private conversation.
            let private = chat.settings.slack.kind != crate::content::ConversationKind::Public;
            let name = if private && !published {
                "private-channel".to_owned()
            } else if chat.settings.slack.name.is_empty() {
                chat.slug.to_string()
            } else {
                chat.settings.slack.name.clone()
            };
            self.channels
                .insert(chat.settings.channel_id.clone(), (name, url));
        }
    }
}

impl Person {
    pub fn from_raw(id: &str, raw: &Map<String, Value>) -> Person {
        Person {
            name: user::display_name(raw).unwrap_or(id).to_owned(),
            avatar: user::avatar_url(raw).map(str::to_owned),
            avatar_stem: UserId::parse(id)
                .ok()
                .and_then(|id| avatar::wanted_stem(&id, raw)),
            is_bot: raw.get("is_bot").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

impl Lookup for Names {
    fn user_name(&self, id: &str) -> Option<&str> {
        self.people.get(id).map(|p| p.name.as_str())
    }

    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        self.channels.get(id).map(|(name, url)| ChannelRef {
            name,
            url: url.as_deref(),
        })
    }

    fn custom_emoji(&self, name: &str) -> Option<&str> {
        self.emoji.get(name).map(String::as_str)
    }
}
