//! The conversation lists of an export: `channels.json` (public), `groups.json` (private),
//! `dms.json` and `mpims.json` (direct messages), and which folder holds each one's day files.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::content::{ConversationKind, SlackChannelInfo};

/// One conversation of the export.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub info: SlackChannelInfo,
    pub members: Vec<String>,
}

impl Conversation {
    /// Folder names its day files may sit in: Slack names folders of channels by name and of
    /// DMs by id; slackdump uses ids for everything.
    pub fn folder_names(&self) -> impl Iterator<Item = &str> {
        [self.info.name.as_str(), self.id.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
    }

    /// Whether `--channels` selects it (by name, id or slug).
    pub fn matches(&self, wanted: &str) -> bool {
        wanted == self.id
            || wanted == self.info.name
            || wanted.trim_start_matches('#') == self.info.name
    }
}

/// Parses one conversation list entry (an array of objects).
pub fn parse_list(entry: &str, bytes: &[u8], kind: ConversationKind) -> Result<Vec<Conversation>> {
    let list: Vec<Value> = serde_json::from_slice(bytes)
        .with_context(|| format!("{entry}: not a JSON array of conversations"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let obj = item
            .as_object()
            .with_context(|| format!("{entry}: conversation {} is not an object", i + 1))?;
        out.push(
            parse_conversation(obj, kind)
                .with_context(|| format!("{entry}: conversation {}", i + 1))?,
        );
    }
    Ok(out)
}

fn parse_conversation(
    obj: &Map<String, Value>,
    listed_as: ConversationKind,
) -> Result<Conversation> {
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .context("it has no `id`")?
        .to_owned();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("`id` {id:?} is not a Slack conversation id");
    }
    // slackdump lists private channels in channels.json with `is_private`.
    let kind = if listed_as == ConversationKind::Public && flag(obj, "is_private") {
        ConversationKind::Private
    } else if flag(obj, "is_mpim") {
        ConversationKind::Mpim
    } else if flag(obj, "is_im") {
        ConversationKind::Dm
    } else {
        listed_as
    };
    let text = |key: &str| topic_text(obj, key);
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&id)
        .to_owned();
    let mut members: Vec<String> = obj
        .get("members")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if let Some(user) = obj.get("user").and_then(Value::as_str)
        && !members.iter().any(|m| m == user)
    {
        members.push(user.to_owned());
    }
    Ok(Conversation {
        info: SlackChannelInfo {
            name,
            kind,
            topic: text("topic"),
            purpose: text("purpose"),
            created: int_or_string(obj.get("created")),
            is_archived: flag(obj, "is_archived"),
        },
        id,
        members,
    })
}

fn flag(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// 2016-era exports write numbers as strings (`"created": "1452837318"`).
fn int_or_string(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// A conversation's `topic` or `purpose` text (`{"value": …}`), entities decoded: read the same
/// way from an export's channel lists and from the Web API's conversation objects.
pub fn topic_text(obj: &Map<String, Value>, key: &str) -> String {
    obj.get(key)
        .and_then(|v| v.get("value"))
        .and_then(Value::as_str)
        .map(decode_entities)
        .unwrap_or_default()
}

/// Slack escapes only `&`, `<` and `>` in text.
pub fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Finds which conversation a folder of the export belongs to.
#[derive(Debug, Default)]
pub struct FolderIndex {
    by_folder: HashMap<String, usize>,
}

impl FolderIndex {
    pub fn new(conversations: &[Conversation]) -> FolderIndex {
        let mut by_folder = HashMap::new();
        // Ids first, then names, so a channel named like another's id cannot take its folder.
        for (i, c) in conversations.iter().enumerate() {
            by_folder.insert(c.id.clone(), i);
        }
        for (i, c) in conversations.iter().enumerate() {
            by_folder.entry(c.info.name.clone()).or_insert(i);
        }
        FolderIndex { by_folder }
    }

    pub fn get(&self, folder: &str) -> Option<usize> {
        self.by_folder.get(folder).copied()
    }
}
