//! A chat's settings: `content/channels/<slug>/channel.toml`.
//!
//! The top-level keys are editorial (headline, description, state, intro, closing note): they are
//! written once when the chat is created and then belong to the editors, so no import or event ever
//! rewrites them. The `[slack]` table mirrors what Slack says about the conversation (name, topic,
//! purpose) and is refreshed by imports and events, preserving the rest of the file byte for byte.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, Table, value};

/// Where a chat is in its life: only `live` and `archived` chats are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ChatState {
    /// Prepared or imported, not public.
    #[default]
    Draft,
    /// Being written now: the page follows new messages.
    Live,
    /// Finished: a permanent article.
    Archived,
}

impl ChatState {
    pub fn is_published(self) -> bool {
        matches!(self, ChatState::Live | ChatState::Archived)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Draft => "draft",
            ChatState::Live => "live",
            ChatState::Archived => "archived",
        }
    }
}

impl fmt::Display for ChatState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of Slack conversation a chat comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ConversationKind {
    #[default]
    Public,
    Private,
    /// A direct message between two people.
    Dm,
    /// A group direct message.
    Mpim,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Public => "public",
            ConversationKind::Private => "private",
            ConversationKind::Dm => "dm",
            ConversationKind::Mpim => "mpim",
        }
    }

    /// The kind as a person says it: "a direct message".
    pub fn in_words(self) -> &'static str {
        match self {
            ConversationKind::Public => "a public channel",
            ConversationKind::Private => "a private channel",
            ConversationKind::Dm => "a direct message",
            ConversationKind::Mpim => "a group direct message",
        }
    }

    /// A private conversation must never reach a public site by default.
    pub fn default_state(self) -> ChatState {
        match self {
            ConversationKind::Public => ChatState::Archived,
            _ => ChatState::Draft,
        }
    }
}

/// What Slack says about a conversation; refreshed on every import and event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackChannelInfo {
    pub name: String,
    pub kind: ConversationKind,
    pub topic: String,
    pub purpose: String,
    /// Unix seconds.
    pub created: i64,
    pub is_archived: bool,
}

/// A parsed `channel.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettings {
    /// Slack's id for the conversation (`C…`, `G…`, `D…`): how events find the chat.
    pub channel_id: String,
    pub headline: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub state: ChatState,
    /// Markdown shown above the messages of an archived chat.
    #[serde(default)]
    pub intro: String,
    /// Markdown shown below the messages of an archived chat.
    #[serde(default)]
    pub closing_note: String,
    /// An image for social cards (an http(s) URL or a path under the site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// When a live chat's coverage is to end (RFC 3339, with its offset): its pages' JSON-LD
    /// says `coverageEndTime`, which Google recommends for live coverage (issue 16).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub coverage_end: Option<jiff::Timestamp>,
    #[serde(default)]
    pub slack: SlackChannelInfo,
}

impl ChannelSettings {
    pub fn parse(text: &str, path: &Path) -> Result<ChannelSettings> {
        crate::config::parse_toml(text)
            .with_context(|| format!("{} is not a valid channel file", path.display()))
    }

    /// The text of a new `channel.toml`, with comments that tell editors what each key does.
    pub fn to_new_file(&self) -> String {
        let mut doc = DocumentMut::new();
        doc["channel_id"] = value(&self.channel_id);
        doc["headline"] = value(&self.headline);
        doc["description"] = value(&self.description);
        doc["state"] = value(self.state.as_str());
        doc["intro"] = value(&self.intro);
        doc["closing_note"] = value(&self.closing_note);
        if let Some(image) = &self.image {
            doc["image"] = value(image);
        }
        doc["slack"] = Item::Table(slack_table(&self.slack));
        let decorate = |doc: &mut DocumentMut, key: &str, comment: &str| {
            if let Some(mut k) = doc.key_mut(key) {
                k.leaf_decor_mut().set_prefix(comment);
            }
        };
        decorate(
            &mut doc,
            "channel_id",
            "# A chat. The keys above [slack] are yours: imports and events never change them.\n",
        );
        decorate(&mut doc, "description", "# Markdown.\n");
        decorate(
            &mut doc,
            "state",
            "# draft (not published), live (the page follows Slack) or archived (a permanent article).\n",
        );
        decorate(
            &mut doc,
            "intro",
            "# Markdown shown above and below the messages.\n",
        );
        if let Some(t) = doc.get_mut("slack").and_then(Item::as_table_mut) {
            t.decor_mut().set_prefix(
                "\n# What Slack says about the conversation; refreshed by every import and event.\n",
            );
        }
        doc.to_string()
    }
}

fn slack_table(info: &SlackChannelInfo) -> Table {
    let mut t = Table::new();
    t["name"] = value(&info.name);
    t["kind"] = value(info.kind.as_str());
    t["topic"] = value(&info.topic);
    t["purpose"] = value(&info.purpose);
    t["created"] = value(info.created);
    t["is_archived"] = value(info.is_archived);
    t
}

/// Replaces the `[slack]` table of an existing `channel.toml`, keeping every other byte (the
/// editors' keys, comments, formatting). Returns `None` when nothing would change.
pub fn refresh_slack_info(
    text: &str,
    info: &SlackChannelInfo,
    path: &Path,
) -> Result<Option<String>> {
    let current = ChannelSettings::parse(text, path)?;
    if current.slack == *info {
        return Ok(None);
    }
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let decor = doc
        .get("slack")
        .and_then(Item::as_table)
        .map(|t| t.decor().clone());
    let mut table = slack_table(info);
    if let Some(decor) = decor {
        *table.decor_mut() = decor;
    }
    doc["slack"] = Item::Table(table);
    Ok(Some(doc.to_string()))
}

/// Rewrites chosen editorial keys (used by explicit commands such as `publish` and `archive`,
/// never by imports or events), keeping the rest of the file.
pub fn set_editorial_key(text: &str, key: &str, new: &str, path: &Path) -> Result<String> {
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    doc[key] = value(new);
    let out = doc.to_string();
    ChannelSettings::parse(&out, path)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChannelSettings {
        ChannelSettings {
            channel_id: "C1".into(),
            headline: "General".into(),
            description: "About *this*".into(),
            state: ChatState::Archived,
            intro: String::new(),
            closing_note: String::new(),
            image: None,
            coverage_end: None,
            slack: SlackChannelInfo {
                name: "general".into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn new_file_parses_back() {
        let text = sample().to_new_file();
        assert_eq!(
            ChannelSettings::parse(&text, Path::new("x")).unwrap(),
            sample()
        );
    }

    #[test]
    fn refresh_keeps_editors_changes() {
        let text = sample().to_new_file().replace(
            "headline = \"General\"",
            "headline = \"Our big night\" # edited",
        );
        let info = SlackChannelInfo {
            name: "renamed".into(),
            ..Default::default()
        };
        let out = refresh_slack_info(&text, &info, Path::new("x"))
            .unwrap()
            .unwrap();
        assert!(out.contains("headline = \"Our big night\" # edited"));
        let parsed = ChannelSettings::parse(&out, Path::new("x")).unwrap();
        assert_eq!(parsed.slack.name, "renamed");
        assert!(
            refresh_slack_info(&out, &info, Path::new("x"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = sample().to_new_file() + "\nheadlin = \"typo\"\n";
        let err = format!(
            "{:#}",
            ChannelSettings::parse(&text, Path::new("c.toml")).unwrap_err()
        );
        assert!(err.contains("headlin"), "{err}");
    }
}

/// An optional instant in `channel.toml`, written as RFC 3339 (`2026-11-04T06:00:00-05:00`):
/// the error names the key and what is wrong (jiff's serde support is not enabled).
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        at: &Option<jiff::Timestamp>,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => out.serialize_str(&at.to_string()),
            None => out.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        input: D,
    ) -> Result<Option<jiff::Timestamp>, D::Error> {
        let text = String::deserialize(input)?;
        text.parse().map(Some).map_err(|e| {
            serde::de::Error::custom(format!(
                "{text:?} is not a date and time with its offset, like \"2026-11-04T06:00:00-05:00\" ({e})"
            ))
        })
    }
}
