//! Conversations through the Web API, for `channel add`: find one by name
//! (`conversations.list`), read one (`conversations.info`), create one (`conversations.create`)
//! and invite people to it (`conversations.invite`).

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use super::SlackClient;
use super::client::{next_cursor, take_array};
use super::error::SlackError;
use crate::content::{ConversationKind, SlackChannelInfo};
use crate::import::conversations::topic_text;

/// A conversation as Slack describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: String,
    /// What `channel.toml` keeps in `[slack]`.
    pub info: SlackChannelInfo,
    /// Whether the app's bot is a member (it receives events and may post only then).
    pub is_member: bool,
}

impl Conversation {
    /// Reads a conversation object of conversations.list/info/create.
    pub fn from_json(obj: &Map<String, Value>) -> Option<Conversation> {
        let flag = |key: &str| obj.get(key).and_then(Value::as_bool).unwrap_or(false);
        let text = |key: &str| topic_text(obj, key);
        let id = obj.get("id")?.as_str()?.to_owned();
        let kind = if flag("is_im") {
            ConversationKind::Dm
        } else if flag("is_mpim") {
            ConversationKind::Mpim
        } else if flag("is_private") || flag("is_group") {
            ConversationKind::Private
        } else {
            ConversationKind::Public
        };
        Some(Conversation {
            info: SlackChannelInfo {
                name: obj
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                kind,
                topic: text("topic"),
                purpose: text("purpose"),
                created: obj.get("created").and_then(Value::as_i64).unwrap_or(0),
                is_archived: flag("is_archived"),
            },
            id,
            is_member: flag("is_member") || flag("is_im"),
        })
    }
}

/// The `channel` object of an answer.
fn channel_of(method: &str, answer: &Map<String, Value>) -> Result<Conversation> {
    answer
        .get("channel")
        .and_then(Value::as_object)
        .and_then(Conversation::from_json)
        .ok_or_else(|| anyhow::anyhow!("Slack's {method} answered without a channel"))
}

/// `conversations.info`: what Slack says about the conversation `id`.
pub async fn info(client: &SlackClient, id: &str) -> Result<Conversation> {
    let answer = client
        .call("conversations.info", &[("channel", id.to_owned())])
        .await?;
    channel_of("conversations.info", &answer)
}

/// A channel name as people type it: `#Sotu-2026` is `sotu-2026`.
pub fn normalize_name(name: &str) -> String {
    name.trim().trim_start_matches('#').to_lowercase()
}

/// The public or private channel named `name` (not archived) that the app can see: every
/// page of `conversations.list`. Not found, the error names the closest name there is.
pub async fn find_by_name(client: &SlackClient, name: &str) -> Result<Conversation> {
    let wanted = normalize_name(name);
    let mut names = Vec::new();
    let mut cursor = None;
    loop {
        let mut params = vec![
            ("types", "public_channel,private_channel".to_owned()),
            ("exclude_archived", "true".to_owned()),
            ("limit", "200".to_owned()),
        ];
        if let Some(c) = cursor.take() {
            params.push(("cursor", c));
        }
        let mut answer = client.call("conversations.list", &params).await?;
        for channel in take_array(&mut answer, "channels") {
            let Some(c) = channel.as_object().and_then(Conversation::from_json) else {
                continue;
            };
            if c.info.name == wanted {
                return Ok(c);
            }
            names.push(c.info.name);
        }
        cursor = next_cursor(&answer);
        if cursor.is_none() {
            break;
        }
    }
    let hint = match closest(&wanted, &names) {
        Some(near) => format!(" Did you mean #{near}?"),
        None => String::new(),
    };
    bail!(
        "no channel named #{wanted} that the app can see (of {} channels; archived ones are left out, and a private channel shows only once the app is invited: `/invite @your-app` in it).{hint}",
        names.len()
    )
}

/// The name nearest `wanted`, if it is near enough to be a typo.
fn closest<'a>(wanted: &str, names: &'a [String]) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(wanted, n), n))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n.as_str())
}

/// `conversations.create`. A name Slack already has is an error that says how to follow that
/// channel instead.
pub async fn create(client: &SlackClient, name: &str, private: bool) -> Result<Conversation> {
    let params = [
        ("name", normalize_name(name)),
        ("is_private", private.to_string()),
    ];
    match client.call("conversations.create", &params).await {
        Ok(answer) => channel_of("conversations.create", &answer),
        Err(e) if e.code() == Some("name_taken") => bail!(
            "Slack already has a channel named #{0} (name_taken): to make a chat of it, run \
             `scrollback channel add --name {0} --headline …` instead, or choose another name",
            normalize_name(name)
        ),
        Err(e) => Err(e.into()),
    }
}

/// `conversations.invite`: adds `users` to the channel; those already in it are fine.
pub async fn invite(client: &SlackClient, id: &str, users: &[String]) -> Result<(), SlackError> {
    if users.is_empty() {
        return Ok(());
    }
    let params = [("channel", id.to_owned()), ("users", users.join(","))];
    match client.call("conversations.invite", &params).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("already_in_channel") => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_conversation_object_gives_the_chats_slack_table() {
        let private = json!({"id": "C1", "name": "desk", "is_private": true, "is_member": true,
            "created": 1_700_000_000, "topic": {"value": "Q&amp;A &lt;live&gt;"},
            "purpose": {"value": "the desk"}});
        let c = Conversation::from_json(private.as_object().unwrap()).unwrap();
        assert_eq!(c.info.kind, ConversationKind::Private);
        assert_eq!(c.info.topic, "Q&A <live>");
        assert_eq!(c.info.created, 1_700_000_000);
        assert!(c.is_member);
        let dm = json!({"id": "D1", "is_im": true, "user": "U1"});
        let c = Conversation::from_json(dm.as_object().unwrap()).unwrap();
        assert_eq!(c.info.kind, ConversationKind::Dm);
        assert!(Conversation::from_json(json!({"name": "x"}).as_object().unwrap()).is_none());
    }

    #[test]
    fn typos_find_their_channel_and_strangers_do_not() {
        let names = ["general", "sotu-2026", "random"].map(String::from);
        assert_eq!(closest("sotu-2062", &names), Some("sotu-2026"));
        assert_eq!(closest("genral", &names), Some("general"));
        assert_eq!(closest("elections", &names), None);
        assert_eq!(normalize_name(" #Sotu-2026"), "sotu-2026");
    }
}
