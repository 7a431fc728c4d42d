//! The write rules for chats: finding or creating a conversation's chat folder, and changing
//! its `channel.toml` (the `[slack]` table from Slack, editorial keys only by explicit commands).

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::Batch;
use crate::content::channel::{
    self, ChannelSettings, ChatState, SlackChannelInfo, refresh_slack_info,
};
use crate::content::layout::relative;
use crate::content::slug::Slug;
use crate::content::tokens::strip_tokens_in;
use crate::content::transaction::WriteOutcome;

/// A conversation as an importer or event describes it.
#[derive(Debug, Clone)]
pub struct ChannelDescription {
    pub channel_id: String,
    pub slack: SlackChannelInfo,
    /// The slug a new chat gets (`None`: made from the name). Ignored when the chat exists.
    pub slug: Option<Slug>,
    /// For a new chat; ignored when it exists.
    pub headline: Option<String>,
    pub description: Option<String>,
    pub state: Option<ChatState>,
}

impl ChannelDescription {
    /// A public channel `name` with id `channel_id`, everything else left to the defaults: the
    /// chat unit tests work on.
    #[cfg(test)]
    pub(crate) fn for_tests(channel_id: &str, name: &str) -> ChannelDescription {
        ChannelDescription {
            channel_id: channel_id.into(),
            slack: SlackChannelInfo {
                name: name.into(),
                ..Default::default()
            },
            slug: None,
            headline: None,
            description: None,
            state: None,
        }
    }
}

impl Batch<'_> {
    /// Finds or creates the chat for a conversation. An existing chat keeps its editorial
    /// settings; only its `[slack]` table is refreshed.
    pub fn ensure_channel(&mut self, desc: &ChannelDescription) -> Result<Slug> {
        let desc = &without_tokens(desc);
        if let Some(slug) = self.store.by_channel_id.get(&desc.channel_id).cloned() {
            let rel = relative::channel_file(&slug);
            let path = self.store.layout.channel_file(&slug);
            let bytes = self
                .tx
                .current(&rel)?
                .with_context(|| format!("{} disappeared", path.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", path.display()))?;
            if let Some(updated) = refresh_slack_info(&text, &desc.slack, &path)? {
                self.tx
                    .stage(&rel, updated.as_bytes(), Some(WriteOutcome::Updated))?;
            }
            return Ok(slug);
        }
        let wanted = desc
            .slug
            .clone()
            .unwrap_or_else(|| Slug::from_name(&desc.slack.name, &desc.channel_id));
        let slug = self.unique_slug(wanted, &desc.channel_id);
        let settings = ChannelSettings {
            channel_id: desc.channel_id.clone(),
            headline: desc
                .headline
                .clone()
                .unwrap_or_else(|| default_headline(&desc.slack)),
            description: desc
                .description
                .clone()
                .unwrap_or_else(|| default_description(&desc.slack)),
            state: desc
                .state
                .unwrap_or_else(|| desc.slack.kind.default_state()),
            intro: String::new(),
            closing_note: String::new(),
            image: None,
            coverage_end: None,
            slack: desc.slack.clone(),
        };
        self.tx.stage(
            &relative::channel_file(&slug),
            settings.to_new_file().as_bytes(),
            Some(WriteOutcome::Created),
        )?;
        self.tx
            .add_new_folder(&relative::chat_dir(&slug), &relative::messages_dir(&slug));
        self.store.slugs.insert(slug.clone());
        self.store
            .by_channel_id
            .insert(desc.channel_id.clone(), slug.clone());
        Ok(slug)
    }

    fn unique_slug(&self, wanted: Slug, channel_id: &str) -> Slug {
        let taken =
            |s: &Slug| self.store.slugs.contains(s) || self.store.layout.chat_dir(s).exists();
        if !taken(&wanted) {
            return wanted;
        }
        let with_id = Slug::from_name(&format!("{wanted}-{channel_id}"), channel_id);
        if !taken(&with_id) {
            return with_id;
        }
        (2..)
            .map(|n| Slug::from_name(&format!("{with_id}-{n}"), channel_id))
            .find(|s| !taken(s))
            .unwrap_or(with_id)
    }

    /// The chat of a Slack conversation, existing or created in this batch.
    pub fn slug_for_channel(&self, channel_id: &str) -> Option<&Slug> {
        self.store.slug_for_channel(channel_id)
    }

    /// Changes what Slack says about a chat's conversation (its `[slack]` table: a rename, a new
    /// topic), keeping every other byte of `channel.toml`. Returns whether the file changed.
    pub fn update_slack_info(
        &mut self,
        slug: &Slug,
        change: impl FnOnce(&mut SlackChannelInfo),
    ) -> Result<bool> {
        let (rel, path, text) = self.channel_text(slug)?;
        let mut info = ChannelSettings::parse(&text, &path)?.slack;
        change(&mut info);
        strip_info_tokens(&mut info);
        match refresh_slack_info(&text, &info, &path)? {
            Some(updated) => {
                self.tx
                    .stage(&rel, updated.as_bytes(), Some(WriteOutcome::Updated))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sets one editorial key of a chat's `channel.toml` (for explicit commands such as
    /// `publish` and `archive`; imports and events never do). Returns whether the file changed.
    pub fn set_editorial_key(&mut self, slug: &Slug, key: &str, value: &str) -> Result<bool> {
        let (rel, path, text) = self.channel_text(slug)?;
        let updated = channel::set_editorial_key(&text, key, value, &path)?;
        if updated == text {
            return Ok(false);
        }
        self.tx
            .stage(&rel, updated.as_bytes(), Some(WriteOutcome::Updated))?;
        Ok(true)
    }

    /// A chat's state as this batch would leave it.
    pub fn chat_state(&self, slug: &Slug) -> Result<ChatState> {
        let (_, path, text) = self.channel_text(slug)?;
        Ok(ChannelSettings::parse(&text, &path)?.state)
    }

    /// A chat's `channel.toml` as this batch would leave it: (relative path, path, text).
    fn channel_text(&self, slug: &Slug) -> Result<(PathBuf, PathBuf, String)> {
        let rel = relative::channel_file(slug);
        let path = self.store.layout.channel_file(slug);
        let bytes = self
            .tx
            .current(&rel)?
            .with_context(|| format!("{} does not exist", path.display()))?;
        let text =
            String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
        Ok((rel, path, text))
    }
}

fn default_headline(slack: &SlackChannelInfo) -> String {
    if slack.name.is_empty() {
        "Untitled chat".to_owned()
    } else {
        slack.name.clone()
    }
}

fn default_description(slack: &SlackChannelInfo) -> String {
    match (slack.topic.trim(), slack.purpose.trim()) {
        ("", "") => String::new(),
        (topic, "") => topic.to_owned(),
        ("", purpose) => purpose.to_owned(),
        (topic, purpose) if topic == purpose => topic.to_owned(),
        (topic, purpose) => format!("{purpose}\n\n{topic}"),
    }
}

/// A conversation's description without tokens. Its topic and purpose are free text anyone in
/// the channel can set, and they become the chat's description, page and feed (issue 11).
fn without_tokens(desc: &ChannelDescription) -> ChannelDescription {
    let mut desc = desc.clone();
    strip_info_tokens(&mut desc.slack);
    for text in [&mut desc.headline, &mut desc.description]
        .into_iter()
        .flatten()
    {
        strip_tokens_in(text);
    }
    desc
}

fn strip_info_tokens(info: &mut SlackChannelInfo) {
    for text in [&mut info.name, &mut info.topic, &mut info.purpose] {
        strip_tokens_in(text);
    }
}
