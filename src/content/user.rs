//! One Slack user: `content/users/<ID>.json`, the raw user object as Slack describes it.

use std::fmt;

use serde_json::{Map, Value, json};

/// Whether `id` is shaped like a Slack user, bot or team id, and so safe as a file name.
pub fn is_valid_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A validated user id: safe to name `users/<ID>.json` with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

/// Why a string is not a Slack user id.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a Slack user id")]
pub struct InvalidUserId(pub String);

impl UserId {
    pub fn parse(s: &str) -> Result<UserId, InvalidUserId> {
        if is_valid_user_id(s) {
            Ok(UserId(s.to_owned()))
        } else {
            Err(InvalidUserId(s.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn nonempty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// The name shown for a user: display name, then real name, then name (Slack's own order).
pub fn display_name(user: &Map<String, Value>) -> Option<&str> {
    let profile = user.get("profile").and_then(Value::as_object);
    profile
        .and_then(|p| nonempty(p.get("display_name")))
        .or_else(|| profile.and_then(|p| nonempty(p.get("real_name"))))
        .or_else(|| nonempty(user.get("real_name")))
        .or_else(|| nonempty(user.get("name")))
}

/// The best avatar URL for a 48 px slot (a 2x image for sharp screens when there is one).
pub fn avatar_url(user: &Map<String, Value>) -> Option<&str> {
    let profile = user.get("profile").and_then(Value::as_object)?;
    [
        "image_72",
        "image_48",
        "image_192",
        "image_512",
        "image_32",
        "image_24",
    ]
    .iter()
    .find_map(|k| {
        profile
            .get(*k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    })
}

/// A user record made from a message's `user_profile` snapshot, for users missing from
/// users.json (deleted or external users often are). Marked so a real record replaces it.
pub fn from_message_profile(id: &str, profile: &Map<String, Value>) -> Map<String, Value> {
    let name = profile
        .get("name")
        .cloned()
        .unwrap_or(Value::String(id.to_owned()));
    let real_name = profile.get("real_name").cloned().unwrap_or(Value::Null);
    let mut out = json!({
        "id": id,
        "name": name,
        "real_name": real_name,
        "profile": profile,
        "scrollback_source": "user_profile",
    });
    if let Some(obj) = out.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    out.as_object().cloned().unwrap_or_default()
}

/// Whether a stored user record was made from a message snapshot (and may be replaced).
/// A bot named by an integration notice: 2016-era exports credit bot messages to a bare
/// `bot_id`, and name the bot only in the `bot_add` notice that installed it ("added an
/// integration to this channel: <https://team.slack.com/services/B0JL6RASU|github>"). The user
/// file made from it is replaceable, like a profile snapshot: `sync users` or a lookup by `serve`
/// overwrites it.
pub fn bot_from_integration_notice(message: &Map<String, Value>) -> Option<Map<String, Value>> {
    if !matches!(
        message.get("subtype").and_then(Value::as_str),
        Some("bot_add" | "bot_enable")
    ) {
        return None;
    }
    let text = message.get("text").and_then(Value::as_str)?;
    let (_, after) = text.split_once("/services/")?;
    let (id, rest) = after.split_once('|')?;
    let name = rest.split('>').next()?.trim();
    if !is_valid_user_id(id) || !id.starts_with('B') || name.is_empty() {
        return None;
    }
    let profile = json!({"real_name": name, "display_name": name});
    let mut bot = from_message_profile(id, profile.as_object()?);
    bot.insert("name".into(), json!(name));
    bot.insert("is_bot".into(), json!(true));
    Some(bot)
}

pub fn is_from_message_profile(user: &Map<String, Value>) -> bool {
    user.get("scrollback_source").and_then(Value::as_str) == Some("user_profile")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bot_add_notice_names_its_bot() {
        let notice = json!({"type": "message", "subtype": "bot_add", "bot_id": "B0JL6RASU",
            "text": "added an integration to this channel: <https://mesos-magellan.slack.com/services/B0JL6RASU|github>"});
        let bot = bot_from_integration_notice(notice.as_object().unwrap()).unwrap();
        assert_eq!(bot["id"], "B0JL6RASU");
        assert_eq!(display_name(&bot), Some("github"));
        assert!(
            is_from_message_profile(&bot),
            "replaceable by a real lookup"
        );
        let plain = json!({"type": "message", "text": "see /services/B1|x>"});
        assert!(bot_from_integration_notice(plain.as_object().unwrap()).is_none());
        let hostile = json!({"subtype": "bot_add", "text": "<https://x/services/../../etc|x>"});
        assert!(bot_from_integration_notice(hostile.as_object().unwrap()).is_none());
    }

    #[test]
    fn name_order_is_slacks() {
        let u = json!({"name": "hp", "real_name": "Harry", "profile": {"display_name": "", "real_name": "Harry Potter"}});
        assert_eq!(display_name(u.as_object().unwrap()), Some("Harry Potter"));
        let u = json!({"name": "hp", "profile": {"display_name": "harry"}});
        assert_eq!(display_name(u.as_object().unwrap()), Some("harry"));
        let u = json!({"name": "hp"});
        assert_eq!(display_name(u.as_object().unwrap()), Some("hp"));
    }

    #[test]
    fn ids_are_safe_file_names() {
        assert!(is_valid_user_id("U0BMYT2FL"));
        assert!(is_valid_user_id("USLACKBOT"));
        for bad in ["", "u1", "../U1", "U1/x", "U1.json"] {
            assert!(!is_valid_user_id(bad), "{bad}");
            assert!(UserId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(UserId::parse("U0BMYT2FL").unwrap().as_str(), "U0BMYT2FL");
    }
}
