//! Slugs: the folder names of chats in `content/channels/` and their URLs in `site/`.
//!
//! A slug comes from a channel name, which comes from an archive or an event, so it is input: it
//! must never be able to name a path outside its folder (zip-slip). A slug is 1 to 80 characters
//! of `a-z`, `0-9`, `-` and `_`, not starting with `-`, `_` or `.`; anything else is refused or,
//! when made from a name, replaced.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated, path-safe chat slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not a valid slug: use 1 to 80 lowercase letters, digits, `-` or `_`, starting with a letter or digit"
)]
pub struct InvalidSlug(pub String);

/// Names that would collide with the site's own folders.
const RESERVED: &[&str] = &[
    "assets", "files", "emoji", "page", "feeds", "index", "search",
];

impl Slug {
    pub fn parse(s: &str) -> Result<Slug, InvalidSlug> {
        let ok = !s.is_empty()
            && s.len() <= 80
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && !RESERVED.contains(&s);
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(InvalidSlug(s.chars().take(100).collect()))
        }
    }

    /// Makes a slug from a Slack channel name (which may hold any Unicode, `..`, slashes...),
    /// falling back to `fallback` (e.g. the channel id) when nothing usable is left.
    pub fn from_name(name: &str, fallback: &str) -> Slug {
        let mut out = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            let keep = c.is_ascii_alphanumeric() || c == '_';
            if keep {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
            if out.len() >= 80 {
                break;
            }
        }
        let trimmed = out.trim_matches(|c| c == '-' || c == '_');
        Slug::parse(trimmed).unwrap_or_else(|_| {
            let fb: String = fallback
                .chars()
                .flat_map(char::to_lowercase)
                .filter(|c| c.is_ascii_alphanumeric())
                .take(60)
                .collect();
            Slug::parse(&format!("chat-{fb}")).unwrap_or_else(|_| Slug("chat".to_owned()))
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Slug::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_inside_their_folder() {
        for (name, want) in [
            ("general", "general"),
            ("../../etc/passwd", "etc-passwd"),
            ("/abs/path", "abs-path"),
            ("..\\windows", "windows"),
            ("a\u{0}b\nc", "a-b-c"),
            ("Live: SOTU 2018!", "live-sotu-2018"),
            ("東京", "chat-c123"),
            ("..", "chat-c123"),
            ("assets", "chat-c123"),
        ] {
            assert_eq!(Slug::from_name(name, "C123").as_str(), want, "{name:?}");
        }
    }

    #[test]
    fn parse_refuses_paths() {
        for bad in [
            "",
            "..",
            "a/b",
            "a\\b",
            "-x",
            "A",
            "a b",
            "assets",
            &"x".repeat(81),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Slug::parse("sotu-2018").is_ok());
    }
}
