//! `[slack]`: whether and what scrollback posts back to a chat's Slack channel (issue 13, item 6).
//!
//! Talking back is opt-in: with `announce = false` (the default) nothing but the intro message of
//! `channel add --create` is ever posted. The texts are Slack message text (mrkdwn) with
//! placeholders; a typo in a placeholder is an error that names the key, like any other key.

use anyhow::{Result, bail};
use serde::Deserialize;

/// The placeholders a message text may use.
pub const PLACEHOLDERS: [&str; 3] = ["url", "headline", "comment_tag"];

/// `[slack]`: messages scrollback posts to a chat's channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackConfig {
    /// Post the chat's URL when it goes live, is archived or is published (`channel add`,
    /// `publish`, `archive`). Off by default.
    pub announce: bool,
    /// Posted by `channel add --create` (whatever `announce` says), unless `--no-intro`.
    pub intro: String,
    /// Posted when a chat goes live.
    pub live: String,
    /// Posted when a live chat is archived.
    pub archived: String,
    /// Posted when a draft is published straight to archived.
    pub published: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            announce: false,
            intro: "This channel is the live chat \u{201c}{headline}\u{201d}: what is posted here \
                    is published on the site.\nStart a message with `{comment_tag}` to keep it \
                    private: it never leaves Slack.\nReaders will find the chat at {url}"
                .to_owned(),
            live: "\u{201c}{headline}\u{201d} is now live at {url}".to_owned(),
            archived: "\u{201c}{headline}\u{201d} is archived: it stays at {url}".to_owned(),
            published: "\u{201c}{headline}\u{201d} is published at {url}".to_owned(),
        }
    }
}

impl SlackConfig {
    pub fn validate(&self) -> Result<()> {
        for (key, text) in [
            ("intro", &self.intro),
            ("live", &self.live),
            ("archived", &self.archived),
            ("published", &self.published),
        ] {
            if let Some(unknown) = placeholders(text).find(|p| !PLACEHOLDERS.contains(p)) {
                bail!(
                    "[slack] {key} uses {{{unknown}}}, which is not a placeholder (there are {{url}}, {{headline}} and {{comment_tag}})"
                );
            }
        }
        Ok(())
    }
}

/// The `{name}` placeholders of a text (lowercase letters and `_` between braces); other braces
/// are plain text.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        let is_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        is_name.then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_names_in_braces() {
        let found: Vec<&str> =
            placeholders("{url} and {headline}, not {} or {A b} or {x").collect();
        assert_eq!(found, ["url", "headline"]);
        assert!(SlackConfig::default().validate().is_ok());
    }

    #[test]
    fn a_misspelt_placeholder_names_the_key() {
        let config = SlackConfig {
            live: "Live at {link}".into(),
            ..SlackConfig::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(
            err.contains("[slack] live") && err.contains("{link}"),
            "{err}"
        );
    }
}
