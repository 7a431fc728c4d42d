//! `scrollback.toml`: the site's settings, with a default for every key.
//!
//! Unknown keys and bad values are errors that name the key, because a typo silently ignored on a
//! newsroom's deadline (a misspelt `comment_tag`, say) would publish what should stay private.

pub mod deploy;
pub mod editors;
pub mod slack;
mod toml_file;

pub use toml_file::parse_toml;

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use deploy::DeployConfig;
use slack::SlackConfig;

/// The parsed and validated configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The site's name, shown on every page.
    pub title: String,
    /// A sentence about the site for the index page and social cards.
    pub description: String,
    /// Where the site is published, e.g. `https://example.org/chats` (for canonical URLs and
    /// feeds). Empty: pages link to each other with relative URLs only.
    pub base_url: String,
    /// The `lang` of the pages.
    pub language: String,
    /// A folder in `themes/`.
    pub theme: String,
    /// The IANA zone times are shown in, e.g. `America/New_York`.
    pub timezone: String,
    /// Messages whose text starts with this stay in Slack and never reach the site.
    pub comment_tag: String,
    /// The JSONP callback name of `feed.jsonp`: a JavaScript identifier.
    pub feed_callback: String,
    /// Top-level messages per chat page (threads stay with their parent).
    pub page_size: usize,
    /// Message subtypes never shown (membership notices and the like).
    pub hidden_subtypes: Vec<String>,
    /// Free-form values for the theme's templates (`site.extra.*`), overriding the theme's
    /// own `[extra]` defaults from its `theme.toml`.
    pub extra: toml::Table,
    /// How live pages follow a live chat.
    pub live: LiveFeedConfig,
    /// `[feeds]`: which feeds each chat publishes besides the paged feed (docs/feeds.md).
    pub feeds: FeedsConfig,
    /// `[search]`: the static search page and its index (docs/search.md).
    pub search: SearchConfig,
    /// `[deploy]`: where and how `scrollback deploy` publishes `site/`.
    pub deploy: DeployConfig,
    /// `[slack]`: what scrollback posts to a chat's Slack channel (off by default).
    pub slack: SlackConfig,
    /// The Content-Security-Policy of pages (unset: scrollback's, which runs no inline script;
    /// empty: none, for sites that must run inline scripts such as analytics snippets).
    pub content_security_policy: Option<String>,
    /// Slack user ids of the people who may change chats and messages from Slack (issue 14).
    pub editors: Vec<String>,
    /// Slack user groups (`S…`) whose members are editors too (looked up with a token).
    pub editor_groups: Vec<String>,
    /// `[reactions]`: emoji an editor reacts with to pin, hide or highlight a message.
    pub reactions: std::collections::BTreeMap<String, String>,
}

/// `[live]`: how a live chat's page polls its live feed (`live.json`), and what that feed holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveFeedConfig {
    /// Seconds between polls of `live.json` while something is happening.
    pub interval: f64,
    /// The longest wait between polls: polling slows down towards it while nothing changes, and
    /// uses it while the reader's tab is hidden.
    pub max_interval: f64,
    /// Top-level messages (with their threads) in `live.json` at most: the most recently active.
    pub messages: usize,
    /// The JSONP callback of `live.jsonp` (a JavaScript identifier).
    pub callback: String,
    /// Top-level messages a live chat's address (`<slug>/index.html`) shows: its latest, so a
    /// reader given the chat's link lands on what is happening (issue 15).
    pub latest: usize,
}

/// `[feeds]`: the paged feed (version 2) is always published; the whole-chat `feed.json`
/// (version 1) is kept for embedders who rely on it, at a cost that grows with the chat.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedsConfig {
    /// Whether each chat also publishes `feed.json`/`feed.jsonp` (the whole chat, rewritten on
    /// every change). On by default so existing embeds keep working after an upgrade.
    pub whole_chat: bool,
    /// Top-level places per feed page (`feed-page-N.json`). Smaller than the HTML's pages: a
    /// new message rewrites the newest feed page twice (JSON and JSONP), and feed readers fetch
    /// what changed, so a small page keeps a message's cost low (issue 15).
    pub page_size: usize,
}

/// `[search]`: a search page over every published chat, served from static index files
/// (docs/search.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Whether the build writes the search index and `search/index.html` (on by default; off
    /// saves the index's build time and files).
    pub enabled: bool,
    /// Top-level places per index segment (rounded down to whole HTML pages, one at least): a
    /// new message rewrites parts of the newest segment only, and a query fetches one file per
    /// word per segment, so bigger segments mean fewer fetches and more bytes per message.
    pub segment_size: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            segment_size: 1000,
        }
    }
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            whole_chat: true,
            page_size: 50,
        }
    }
}

impl Default for LiveFeedConfig {
    fn default() -> Self {
        LiveFeedConfig {
            interval: 3.0,
            max_interval: 30.0,
            // `init` writes 30 for new projects (issue 15: live.json and live.jsonp are
            // rewritten on every message); a project without the key keeps what it had.
            messages: 50,
            callback: "scrollbackLive".to_owned(),
            latest: 50,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Live chats".to_owned(),
            description: String::new(),
            base_url: String::new(),
            language: "en".to_owned(),
            theme: "default".to_owned(),
            timezone: "America/New_York".to_owned(),
            comment_tag: "<#>".to_owned(),
            feed_callback: "scrollbackFeed".to_owned(),
            // `init` writes 100 for new projects (issue 15: a live chat rewrites its newest page
            // on every message); a project without the key keeps the size its pages were cut by.
            page_size: 200,
            hidden_subtypes: [
                "channel_join",
                "channel_leave",
                "group_join",
                "group_leave",
                "bot_add",
                "bot_remove",
                "channel_archive",
                "channel_unarchive",
                "pinned_item",
                "unpinned_item",
            ]
            .map(String::from)
            .to_vec(),
            extra: toml::Table::new(),
            live: LiveFeedConfig::default(),
            feeds: FeedsConfig::default(),
            search: SearchConfig::default(),
            deploy: DeployConfig::default(),
            slack: SlackConfig::default(),
            content_security_policy: None,
            editors: Vec::new(),
            editor_groups: Vec::new(),
            reactions: editors::default_reactions(),
        }
    }
}

/// The name of the configuration file at the top of a project.
pub const CONFIG_FILE: &str = "scrollback.toml";

impl Config {
    /// Reads `scrollback.toml`; a missing file means all defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Config::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config> {
        let config: Config = parse_toml(text)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        if !is_js_identifier(&self.feed_callback) {
            bail!(
                "feed_callback = {:?} is not a JavaScript identifier (letters, digits, `_`, `$`, dots between names, not starting with a digit)",
                self.feed_callback
            );
        }
        if !(1..=10_000).contains(&self.page_size) {
            bail!("page_size = {} must be between 1 and 10000", self.page_size);
        }
        if !(1..=10_000).contains(&self.feeds.page_size) {
            bail!(
                "[feeds] page_size = {} must be between 1 and 10000",
                self.feeds.page_size
            );
        }
        if !(1..=100_000).contains(&self.search.segment_size) {
            bail!(
                "[search] segment_size = {} must be between 1 and 100000",
                self.search.segment_size
            );
        }
        if !(1..=10_000).contains(&self.live.latest) {
            bail!(
                "[live] latest = {} must be between 1 and 10000",
                self.live.latest
            );
        }
        if let Some(policy) = &self.content_security_policy
            && !policy.chars().all(|c| c == ' ' || c.is_ascii_graphic())
        {
            bail!(
                "content_security_policy must be one line of printable ASCII (it is sent as an HTTP header)"
            );
        }
        if self.comment_tag.trim().is_empty() {
            bail!("comment_tag must not be empty (the default is \"<#>\")");
        }
        self.time_zone()?;
        self.deploy.validate()?;
        self.slack.validate()?;
        editors::validate(&self.editors, &self.editor_groups, &self.reactions)?;
        let web = self.base_url.starts_with("https://") || self.base_url.starts_with("http://");
        if !self.base_url.is_empty() && !web {
            bail!(
                "base_url = {:?} must start with https:// or http://",
                self.base_url
            );
        }
        let live = &self.live;
        if !(0.5..=600.0).contains(&live.interval) {
            bail!(
                "[live] interval = {} must be between 0.5 and 600 seconds",
                live.interval
            );
        }
        if !(live.interval..=3600.0).contains(&live.max_interval) {
            bail!(
                "[live] max_interval = {} must be between interval ({}) and 3600 seconds",
                live.max_interval,
                live.interval
            );
        }
        if !(1..=500).contains(&live.messages) {
            bail!(
                "[live] messages = {} must be between 1 and 500",
                live.messages
            );
        }
        if !is_js_identifier(&live.callback) {
            bail!(
                "[live] callback = {:?} is not a JavaScript identifier",
                live.callback
            );
        }
        if crate::content::Slug::parse(&self.theme).is_err() {
            bail!(
                "theme = {:?} must be the name of a folder in themes/",
                self.theme
            );
        }
        Ok(())
    }

    pub fn time_zone(&self) -> Result<jiff::tz::TimeZone> {
        jiff::tz::TimeZone::get(&self.timezone).with_context(|| {
            format!(
                "timezone = {:?} is not a known time zone (use an IANA name such as \"America/New_York\")",
                self.timezone
            )
        })
    }

    /// `base_url` without a trailing slash.
    /// The Content-Security-Policy pages carry, if any.
    pub fn page_csp(&self) -> Option<&str> {
        match self.content_security_policy.as_deref() {
            None => Some(crate::site_files::PAGE_CSP),
            Some(policy) if policy.trim().is_empty() => None,
            Some(policy) => Some(policy.trim()),
        }
    }

    pub fn base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// A JSONP callback must be a plain (possibly dotted) identifier: anything else could be script.
pub fn is_js_identifier(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "enum",
        "await",
    ];
    !name.is_empty()
        && name.len() <= 100
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && !RESERVED.contains(&part)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.comment_tag, "<#>");
        assert_eq!(c.page_size, 200);
    }

    #[test]
    fn errors_name_the_key() {
        for (text, key) in [
            ("titel = \"x\"", "titel"),
            ("page_size = 0", "page_size"),
            ("feed_callback = \"alert(1)\"", "feed_callback"),
            ("timezone = \"Mars/Olympus\"", "timezone"),
            ("page_size = \"ten\"", "page_size"),
            ("base_url = \"javascript:x\"", "base_url"),
            ("theme = \"../x\"", "theme"),
            ("[live]\ninterval = 0.1", "interval"),
            ("[live]\nmax_interval = 1", "max_interval"),
            ("[live]\nintervall = 3", "intervall"),
            ("[live]\ncallback = \"x y\"", "callback"),
            ("[deploy]\ntargt = \"netlify\"", "targt"),
            ("[slack]\nannounce = \"yes\"", "announce"),
            ("[slack]\nanounce = true", "anounce"),
            (
                "[slack]\nlive = \"at {URL}\"\npublished = \"{uri}\"",
                "published",
            ),
            ("[feeds]\nwhole_chat = \"yes\"", "whole_chat"),
            ("[feeds]\nwhole = false", "whole"),
            ("[deploy]\ntarget = \"ftp://x\"", "target"),
            ("[deploy]\ntarget = \"s3://\"", "target"),
            ("[deploy]\nendpoint = \"localhost:9000\"", "endpoint"),
            ("[deploy]\nconcurrency = 0", "concurrency"),
            ("[deploy]\ndelete_guard = 0", "delete_guard"),
            ("[deploy]\ndelete_guard = 1.5", "delete_guard"),
            ("[deploy]\nlive_min_interval = -1", "live_min_interval"),
            ("[[deploy.cache_control]]\npath = \"**\"", "value"),
            (
                "[[deploy.cache_control]]\npath = \"**\"\nvalue = \"a\\nb\"",
                "value",
            ),
            (
                "[[deploy.cache_control]]\npath = \"**\"\nvalue = \"x\"\nvalu = 1",
                "valu",
            ),
        ] {
            let err = format!("{:#}", Config::parse(text).unwrap_err());
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn whole_chat_feed_is_on_unless_turned_off() {
        assert!(Config::parse("").unwrap().feeds.whole_chat);
        let c = Config::parse("[feeds]\nwhole_chat = false\n").unwrap();
        assert!(!c.feeds.whole_chat);
    }

    #[test]
    fn live_settings() {
        let c =
            Config::parse("[live]\ninterval = 2\nmax_interval = 20.5\nmessages = 10\n").unwrap();
        assert_eq!(c.live.interval, 2.0);
        assert_eq!(c.live.max_interval, 20.5);
        assert_eq!(c.live.messages, 10);
        assert_eq!(Config::parse("").unwrap().live.interval, 3.0);
    }

    #[test]
    fn callbacks() {
        assert!(is_js_identifier("scrollbackFeed"));
        assert!(is_js_identifier("window.$chat_1"));
        for bad in ["", "1a", "a-b", "a;b", "a..b", "new", "a()"] {
            assert!(!is_js_identifier(bad), "{bad}");
        }
    }
}
