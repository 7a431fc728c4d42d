//! `scrollback init [DIR]`: a new, working project.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use scrollback::build::theme::BUILTIN_DEFAULT;
use scrollback::config::CONFIG_FILE;
use scrollback::fsio::write_atomic;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the project (default: the -C folder, else the current one).
    pub dir: Option<PathBuf>,
}

pub const STARTER_CONFIG: &str = r#"# scrollback site settings. Every key is optional; these are the defaults, except where a
# comment says otherwise.
title = "Live chats"
description = ""
# Where the site is published (for canonical URLs and feeds), e.g. "https://example.org/chats".
base_url = ""
language = "en"
# A folder in themes/.
theme = "default"
# Times are shown in this IANA time zone.
timezone = "America/New_York"
# Messages starting with this stay in Slack and never reach the site.
comment_tag = "<#>"
# The JSONP callback of every feed.jsonp.
feed_callback = "scrollbackFeed"
# Top-level messages per chat page. New projects get 100 (a live chat rewrites its newest page on
# every message); without this line it is 200, as for projects made before. Changing it moves
# every page's address.
page_size = 100
# Slack member ids of the people who may run chats from Slack (/scrollback, the message
# shortcuts, [reactions]); nobody by default. editor_groups adds Slack user groups ("S…").
# editors = ["U0123ABCD"]
# editor_groups = ["S0123ABCD"]

# Values for the theme's templates (site.extra.*), overriding the theme's theme.toml.
[extra]

# How the page of a live chat follows it.
[live]
# Seconds between polls of the chat's live.json (slower while nothing changes or the tab is hidden).
interval = 3
max_interval = 30
# The most recently active messages in live.json (threads included); a page that fell further
# behind asks the reader to reload. New projects get 30 (live.json and live.jsonp are rewritten on
# every message); without this line it is 50.
messages = 30
# The JSONP callback of every live.jsonp.
callback = "scrollbackLive"
# How many of the newest messages a live chat's address opens on (its numbered pages stay).
latest = 50

# Emoji an editor reacts with to pin, hide or highlight a message (removing it undoes it).
# [reactions]
# pushpin = "pin"
# no_entry_sign = "hide"
# star = "highlight"

# feed.json (the whole chat, rewritten on every message) beside the paged feed (feed-index.json,
# feed-page-N.json); turn it off for long live chats: docs/feeds.md says what it costs.
# [feeds]
# whole_chat = true
# page_size = 50

# What scrollback posts to a chat's Slack channel (needs SLACK_BOT_TOKEN, with chat:write).
# `channel add --create` posts `intro` (unless --no-intro); with announce = true, a chat going
# live, archived, or published straight to archived posts `live`, `archived` or `published`.
# Placeholders: {url} (the chat's page; a line with it is left out while base_url is ""),
# {headline}, {comment_tag}. Texts are Slack's mrkdwn; "" posts nothing.
[slack]
announce = false
# intro = """This channel is the live chat “{headline}”: what is posted here is published on the site.
# Start a message with `{comment_tag}` to keep it private: it never leaves Slack.
# Readers will find the chat at {url}"""
# live = "“{headline}” is now live at {url}"
# archived = "“{headline}” is archived: it stays at {url}"
# published = "“{headline}” is published at {url}"
"#;

const GITIGNORE: &str = "/site\n/.scrollback\n";

pub fn run(root: Option<&Path>, args: Args) -> Result<()> {
    let dir = args
        .dir
        .or_else(|| root.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    if dir.join(CONFIG_FILE).exists() {
        bail!(
            "{} already has a {CONFIG_FILE}: it is a scrollback project",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_atomic(&dir.join(CONFIG_FILE), STARTER_CONFIG.as_bytes())?;
    for sub in ["content/channels", "content/users"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
    }
    if !dir.join(".gitignore").exists() {
        write_atomic(&dir.join(".gitignore"), GITIGNORE.as_bytes())?;
    }
    let theme = dir.join("themes/default");
    if !theme.exists() {
        for (path, text) in BUILTIN_DEFAULT {
            write_atomic(&theme.join(path), text.as_bytes())?;
        }
    }
    println!(
        "Created a scrollback project in {}. Next:\n  scrollback -C {} import EXPORT.zip\n  scrollback -C {} build",
        dir.display(),
        dir.display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commented-out `[reactions]` and `[feeds]` tables are the defaults.
    #[test]
    fn the_starter_config_shows_the_editorial_and_feed_defaults() {
        let tables: String = (STARTER_CONFIG.lines())
            .filter_map(|l| l.strip_prefix("# "))
            .skip_while(|l| *l != "[reactions]")
            .take_while(|l| !l.is_empty() && !l.starts_with("feed.json"))
            .chain(["[feeds]", "whole_chat = true", "page_size = 50"])
            .collect::<Vec<_>>()
            .join("\n");
        let shown = scrollback::config::Config::parse(&tables).unwrap();
        let defaults = scrollback::config::Config::default();
        assert_eq!(shown.reactions, defaults.reactions);
        assert_eq!(shown.feeds.whole_chat, defaults.feeds.whole_chat);
        assert_eq!(shown.feeds.page_size, defaults.feeds.page_size);
        assert!(STARTER_CONFIG.contains("# [feeds]\n# whole_chat = true\n# page_size = 50\n"));
    }

    /// What the starter file sets is the default, except what a new message rewrites (issue 15):
    /// new projects get pages of 100 and 30 messages in `live.json`, while a project without the
    /// keys keeps 200 (the size its page addresses were cut by) and 50.
    #[test]
    fn the_starter_config_sets_the_defaults_but_smaller_pages_and_live_feed() {
        let starter = scrollback::config::Config::parse(STARTER_CONFIG).unwrap();
        let defaults = scrollback::config::Config::default();
        let shown = |c: &scrollback::config::Config| {
            let l = &c.live;
            let text = [
                &c.title,
                &c.description,
                &c.base_url,
                &c.language,
                &c.theme,
                &c.timezone,
                &c.comment_tag,
                &c.feed_callback,
                &l.callback,
            ]
            .map(String::as_str)
            .join("|");
            (text, l.interval, l.max_interval, l.latest)
        };
        assert_eq!(shown(&starter), shown(&defaults));
        assert_eq!((starter.page_size, defaults.page_size), (100, 200));
        assert_eq!((starter.live.messages, defaults.live.messages), (30, 50));
    }

    /// The starter file is valid, and what it shows commented out is the default.
    #[test]
    fn the_starter_config_shows_the_defaults() {
        let config = scrollback::config::Config::parse(STARTER_CONFIG).unwrap();
        assert!(!config.slack.announce);
        let uncommented: String = STARTER_CONFIG
            .lines()
            .skip_while(|l| *l != "[slack]")
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let shown = scrollback::config::Config::parse(&uncommented)
            .unwrap()
            .slack;
        let defaults = scrollback::config::slack::SlackConfig::default();
        assert_eq!(
            (shown.intro, shown.live, shown.archived, shown.published),
            (
                defaults.intro,
                defaults.live,
                defaults.archived,
                defaults.published
            )
        );
    }
}
