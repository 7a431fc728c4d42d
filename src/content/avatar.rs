//! A user's kept avatar: `content/users/avatars/<ID>.<hash>.<ext>`, a copy of the picture
//! Slack's user record points at (issue 13, item 3: "Avatars are re-hosted too").
//!
//! The hash is taken from the picture's URL, not its bytes: Slack gives a new picture a new URL,
//! so `sync users` knows an avatar is unchanged without asking Slack again, and the build shows a
//! copy only while it is the one the user file names. The extension comes from the content type
//! Slack sent, so a default PNG replaced by a JPEG photo is simply another file.

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::user::{self, UserId};

/// Hex digits of the URL's SHA-256 in a name (as the build's fingerprints).
const HASH_LEN: usize = 10;

/// The image types kept, by extension.
pub const EXTENSIONS: [&str; 4] = ["png", "gif", "jpg", "webp"];

/// The name of a kept avatar without its extension: `<ID>.<hash of url>`.
pub fn stem(id: &UserId, url: &str) -> String {
    format!(
        "{id}.{}",
        &hex::encode(Sha256::digest(url.as_bytes()))[..HASH_LEN]
    )
}

/// The stem of the copy a user record asks for: its avatar URL's (see [`user::avatar_url`]).
pub fn wanted_stem(id: &UserId, user: &Map<String, Value>) -> Option<String> {
    user::avatar_url(user).map(|url| stem(id, url))
}

/// A kept avatar's file name read back: (user id, stem). `None` for any other name.
pub fn parse_file_name(name: &str) -> Option<(UserId, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let (id, hash) = stem.split_once('.')?;
    let valid_hash = hash.len() == HASH_LEN
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid_hash || !EXTENSIONS.contains(&ext) {
        return None;
    }
    Some((UserId::parse(id).ok()?, stem))
}

/// The extension for an image type scrollback keeps (avatars, custom emoji).
pub fn extension_of(content_type: &str) -> Option<&'static str> {
    Some(match content_type {
        "image/png" => "png",
        "image/gif" => "gif",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => return None,
    })
}

/// Whether an avatar URL is Slack's: its own hosts and CDNs, and Gravatar, where Slack points
/// users without a photo (with its own default picture as the fallback). A page never shows
/// these: only our copy, or nothing.
pub fn is_slack_hosted(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    [
        "slack.com",
        "slack-edge.com",
        "slack-edu.com",
        "slack-files.com",
        "slack-imgs.com",
        "slack-redir.net",
        "gravatar.com",
    ]
    .iter()
    .any(|domain| {
        host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_carry_the_urls_hash_and_read_back() {
        let id = UserId::parse("U0EDITOR").unwrap();
        let a = stem(&id, "https://avatars.slack-edge.com/2018/a_72.jpg");
        let b = stem(&id, "https://avatars.slack-edge.com/2018/b_72.jpg");
        assert_ne!(a, b);
        assert!(a.starts_with("U0EDITOR.") && a.len() == "U0EDITOR.".len() + HASH_LEN);
        let file = format!("{a}.jpg");
        assert_eq!(parse_file_name(&file), Some((id.clone(), a.as_str())));
        let user = json!({"profile": {"image_72": "https://avatars.slack-edge.com/2018/a_72.jpg"}});
        assert_eq!(wanted_stem(&id, user.as_object().unwrap()), Some(a));
        assert_eq!(wanted_stem(&id, json!({}).as_object().unwrap()), None);
    }

    #[test]
    fn other_names_are_not_avatars() {
        for name in [
            "U0EDITOR.png",
            "U0EDITOR.3f9a1c0b7e",
            "U0EDITOR.3f9a1c0b7e.svg",
            "U0EDITOR.3F9A1C0B7E.png",
            "U0EDITOR.3f9a1c0b.png",
            "u0editor.3f9a1c0b7e.png",
            "../U1.3f9a1c0b7e.png",
            ".U1.3f9a1c0b7e.png",
            "U1.3f9a1c0b7e.png.tmp",
        ] {
            assert_eq!(parse_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn slacks_hosts_and_gravatar_are_slacks() {
        for url in [
            "https://avatars.slack-edge.com/2018-01-01/U1_72.png",
            "https://a.slack-edge.com/66f9/img/avatars/ava_0009-72.png",
            "https://ca.slack-edge.com/T1-U1-abc-72",
            "https://secure.gravatar.com/avatar/f585.jpg?s=72&d=https%3A%2F%2Fa.slack-edge.com%2Fx.png",
            "https://files.slack.com/files-pri/T1-F1/a.png",
            "https://SLACK-EDGE.COM./x.png",
        ] {
            assert!(is_slack_hosted(url), "{url}");
        }
        for url in [
            "https://avatars.example/github.png",
            "https://notslack-edge.com/x.png",
            "https://slack-edge.com.example/x.png",
            "not a url",
        ] {
            assert!(!is_slack_hosted(url), "{url}");
        }
    }
}
