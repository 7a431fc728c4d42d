//! Talking back to a chat's channel (issue 13, item 6): the intro message of
//! `channel add --create`, and the chat's URL when it goes live, is archived or is published.
//! The texts come from `[slack]` in `scrollback.toml` ([`crate::config::slack`]).

use super::SlackClient;
use super::error::SlackError;
use crate::config::Config;
use crate::config::slack::{PLACEHOLDERS, SlackConfig};
use crate::content::{ChatState, Slug};

/// What happened to a chat that its channel is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// `channel add --create`: what the channel is for and the comment tag.
    Intro,
    /// The chat went live.
    Live,
    /// A live chat was archived.
    Archived,
    /// A draft was published straight to archived.
    Published,
}

impl Announcement {
    /// The announcement of a change of state, if it is one (`unpublish` is not).
    pub fn of_change(from: ChatState, to: ChatState) -> Option<Announcement> {
        match (from, to) {
            (_, ChatState::Live) if from != ChatState::Live => Some(Announcement::Live),
            (ChatState::Live, ChatState::Archived) => Some(Announcement::Archived),
            (ChatState::Draft, ChatState::Archived) => Some(Announcement::Published),
            _ => None,
        }
    }

    pub fn template(self, config: &SlackConfig) -> &str {
        match self {
            Announcement::Intro => &config.intro,
            Announcement::Live => &config.live,
            Announcement::Archived => &config.archived,
            Announcement::Published => &config.published,
        }
    }
}

/// What the placeholders stand for.
#[derive(Debug, Clone)]
pub struct Values {
    /// The chat's public URL; `None` without `base_url`.
    pub url: Option<String>,
    pub headline: String,
    pub comment_tag: String,
}

impl Values {
    pub fn new(config: &Config, slug: &Slug, headline: &str) -> Values {
        Values {
            url: chat_url(config, slug),
            headline: headline.to_owned(),
            comment_tag: config.comment_tag.clone(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "url" => self.url.as_deref(),
            "headline" => Some(&self.headline),
            "comment_tag" => Some(&self.comment_tag),
            _ => None,
        }
    }
}

/// The public URL of a chat's page: `{base_url}/{slug}/`, if the site's address is configured.
pub fn chat_url(config: &Config, slug: &Slug) -> Option<String> {
    (!config.base_url.is_empty()).then(|| format!("{}/{slug}/", config.base_url()))
}

/// The message text: placeholders filled (escaped as Slack wants `&`, `<` and `>` in text, so
/// the comment tag `<#>` shows as itself), and each line using a value that is missing (`{url}`
/// without `base_url`) left out. `None` when nothing is left to say.
pub fn render(template: &str, values: &Values) -> Option<String> {
    let mut lines = Vec::new();
    'lines: for line in template.lines() {
        let mut out = line.to_owned();
        for name in PLACEHOLDERS {
            let marker = format!("{{{name}}}");
            if !out.contains(&marker) {
                continue;
            }
            match values.get(name) {
                Some(value) => out = out.replace(&marker, &escape(value)),
                None => continue 'lines,
            }
        }
        lines.push(out);
    }
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Slack's three escapes for message text.
fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Posts `text` to the conversation `channel` as the app (`chat.postMessage`, needs chat:write
/// and the app in the channel).
pub async fn post(client: &SlackClient, channel: &str, text: &str) -> Result<(), SlackError> {
    let params = [("channel", channel.to_owned()), ("text", text.to_owned())];
    client.call("chat.postMessage", &params).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(url: Option<&str>) -> Values {
        Values {
            url: url.map(str::to_owned),
            headline: "Q&A night".into(),
            comment_tag: "<#>".into(),
        }
    }

    #[test]
    fn the_intro_explains_the_comment_tag_and_gives_the_url_when_known() {
        let intro = &SlackConfig::default().intro;
        let with = render(intro, &values(Some("https://news.example/chats/qa/"))).unwrap();
        assert!(with.contains("`&lt;#&gt;`"), "{with}");
        assert!(with.contains("Q&amp;A night"), "{with}");
        assert!(with.contains("https://news.example/chats/qa/"), "{with}");
        let without = render(intro, &values(None)).unwrap();
        assert!(without.contains("&lt;#&gt;"), "{without}");
        assert!(
            !without.contains("{url}") && !without.contains("Readers"),
            "{without}"
        );
    }

    #[test]
    fn a_message_that_is_only_a_missing_url_is_not_sent() {
        assert_eq!(render("Live: {url}", &values(None)), None);
        assert_eq!(
            render("Live: {url}", &values(Some("https://x.example/a/"))).as_deref(),
            Some("Live: https://x.example/a/")
        );
    }

    #[test]
    fn changes_of_state_and_their_messages() {
        use ChatState::*;
        assert_eq!(
            Announcement::of_change(Draft, Live),
            Some(Announcement::Live)
        );
        assert_eq!(
            Announcement::of_change(Live, Archived),
            Some(Announcement::Archived)
        );
        assert_eq!(
            Announcement::of_change(Draft, Archived),
            Some(Announcement::Published)
        );
        assert_eq!(Announcement::of_change(Live, Draft), None);
        assert_eq!(Announcement::of_change(Live, Live), None);
    }
}
