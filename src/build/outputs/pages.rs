//! HTML pages: the index of chats and each chat's (paginated) pages, rendered with the theme's
//! templates and minified.

use serde::{Deserialize, Serialize};
use tera::Context;

use super::feed_files::FeedFile;
use super::structured_data::{PageFacts, card_image, chat_page_json_ld};
use super::urls::{Landing, chat_page_canonical, chat_page_link};
use crate::build::chat::view::{MessageView, TimeView};
use crate::build::theme::{Theme, template_error};
use crate::config::Config;
use crate::content::tokens::strip_tokens_str;
use crate::content::{ChannelEntry, Slug};

/// Site-wide values every template sees as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    /// Empty when the config has none.
    pub base_url: String,
    pub language: String,
    /// The theme's `[extra]`, overridden by the config's.
    pub extra: toml::Table,
    /// The Content-Security-Policy pages carry (empty: none), for a `<meta>` on hosts that send
    /// no headers.
    pub csp: String,
    /// The site has a search page (`search/`, docs/search.md): themes link it from every page.
    pub search: bool,
}

/// A chat as its own pages describe it: only what does not change with every new message, so
/// a new message re-renders the page it lands on, not every page of the chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatHeader {
    /// Slack's channel id.
    pub id: String,
    pub slug: String,
    pub headline: String,
    /// The description as written (Markdown).
    pub description: String,
    pub description_html: String,
    pub intro_html: String,
    pub closing_note_html: String,
    /// `live` or `archived`.
    pub state: String,
    /// `public`, `private`, `dm` or `mpim`.
    pub kind: String,
    /// The chat's page: absolute with a `base_url`, else relative to the site's top.
    pub url: String,
    pub image: Option<String>,
    /// When the chat began (its oldest published message).
    pub first: Option<TimeView>,
    /// When a live chat's coverage is to end (`coverage_end` in `channel.toml`), RFC 3339 in
    /// the site's time zone; absent when not set (feeds written before it stay byte for byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_end: Option<String>,
}

/// A chat as the index and the feeds describe it: its header plus figures that change with
/// every message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSummary {
    #[serde(flatten)]
    pub header: ChatHeader,
    /// Published messages, replies included.
    pub message_count: usize,
    /// The newest published message.
    pub last: Option<TimeView>,
    /// The ts of the newest published message.
    pub last_ts: Option<String>,
    /// How many HTML pages the chat has.
    pub pages: usize,
}

impl ChatHeader {
    /// The header of a chat. Its texts are editors' (or, at first, Slack's topic and purpose,
    /// which anyone in the channel can set): tokens are removed here too, so a `channel.toml`
    /// written before tokens were stripped on the way in publishes none.
    pub fn new(
        entry: &ChannelEntry,
        first: Option<TimeView>,
        url: String,
        tz: &jiff::tz::TimeZone,
    ) -> ChatHeader {
        let s = &entry.settings;
        let clean = |text: &str| strip_tokens_str(text).unwrap_or_else(|| text.to_owned());
        let description = clean(&s.description);
        ChatHeader {
            id: s.channel_id.clone(),
            slug: entry.slug.to_string(),
            headline: clean(&s.headline),
            description_html: super::markdown::to_html(&description),
            description,
            intro_html: super::markdown::to_html(&clean(&s.intro)),
            closing_note_html: super::markdown::to_html(&clean(&s.closing_note)),
            state: s.state.to_string(),
            kind: s.slack.kind.as_str().to_owned(),
            url,
            image: s.image.as_deref().map(clean),
            first,
            coverage_end: s
                .coverage_end
                .map(|at| crate::build::chat::view::iso(&at.to_zoned(tz.clone()))),
        }
    }
}

/// Links between the pages of one chat.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// The page shown; on a live chat's landing, the newest page (so a theme that follows the
    /// chat on its newest page follows it there too).
    pub current: usize,
    pub total: usize,
    /// This is a live chat's landing: its latest messages, not a numbered page.
    pub latest: bool,
    /// A live chat's landing, linked from its numbered pages (`None` for other chats).
    pub latest_url: Option<String>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub pages: Vec<PageLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
    /// Pages are left out between the previous link and this one.
    pub gap_before: bool,
}

/// Pages linked by number on either side of the current one: two on an archived chat's pages,
/// one on a live chat's. When a live chat starts a page, the pages that list it are rendered
/// again: with one on either side, only the page before it (a full page, ~150 KB, which the new
/// page's first message uploads with it), not the two before it (issue 15).
fn near(landing: Landing) -> usize {
    match landing {
        Landing::FirstPage => 2,
        Landing::Latest => 1,
    }
}

/// The pages a page links by number: the first, the ones near it and, unless the chat is live,
/// the last. A live chat's pages link "Latest" instead of the last page, so a page is rendered
/// again when a page starts only if the new one is near it: one new message never rewrites
/// every page of a long chat (issue 15).
fn listed(current: usize, total: usize, landing: Landing) -> Vec<usize> {
    let near = near(landing);
    let near = current.saturating_sub(near).max(1)..=(current + near).min(total);
    let last = (landing == Landing::FirstPage).then_some(total);
    let pages: std::collections::BTreeSet<usize> =
        std::iter::once(1).chain(near).chain(last).collect();
    pages.into_iter().collect()
}

/// What numbered page `n` of `total` shows of the chat's other pages: equal keys, equal links.
/// (`total` itself, once further than [`near`] pages on, is not part of it on a live chat.)
pub fn pagination_key(n: usize, total: usize, landing: Landing) -> (Vec<usize>, bool) {
    (listed(n, total, landing), n == total)
}

/// The links of numbered page `current` of `total`.
pub fn pagination(current: usize, total: usize, landing: Landing) -> Pagination {
    let mut previous = 0;
    Pagination {
        current,
        total,
        latest: false,
        latest_url: (landing == Landing::Latest).then(|| "./".to_owned()),
        prev_url: (current > 1).then(|| chat_page_link(current - 1, landing)),
        next_url: (current < total).then(|| chat_page_link(current + 1, landing)),
        pages: listed(current, total, landing)
            .into_iter()
            .map(|n| {
                let gap_before = previous != 0 && n > previous + 1;
                previous = n;
                PageLink {
                    number: n,
                    url: chat_page_link(n, landing),
                    current: n == current,
                    gap_before,
                }
            })
            .collect(),
    }
}

/// The links of a live chat's landing: every page, none current, and "earlier" to the page
/// holding the message just before the ones it shows.
pub fn latest_pagination(total: usize, earlier: Option<usize>) -> Pagination {
    let mut p = pagination(total, total, Landing::Latest);
    p.latest = true;
    p.prev_url = earlier.map(|n| chat_page_link(n, Landing::Latest));
    for link in &mut p.pages {
        link.current = false;
    }
    p
}

/// Facts about the page being rendered, as `page` in templates.
#[derive(Debug, Clone, Serialize)]
pub(super) struct PageView {
    pub(super) title: String,
    pub(super) description: String,
    /// The page's absolute URL when the config has a `base_url`.
    pub(super) canonical_url: Option<String>,
    /// Relative path from this page to the top of the site: `""` or `../`.
    pub(super) root: String,
    /// The image of the page's social cards, absolute, or none (chat and thread pages only).
    pub(super) image: Option<String>,
    /// `og:locale`: the site's language as `ll` or `ll_CC`.
    pub(super) locale: String,
    /// The page's JSON-LD, escaped for a `<script>` element (chat and thread pages; empty
    /// elsewhere).
    pub(super) json_ld: String,
}

/// How the page of a live chat follows it, as `live` in templates (from the config's `[live]`).
#[derive(Debug, Clone, Serialize)]
struct LiveView {
    /// Milliseconds between polls.
    interval_ms: u64,
    max_interval_ms: u64,
    /// The live feed, relative to the chat's pages.
    json: String,
    jsonp: String,
    /// The JSONP callback.
    callback: String,
    /// The chat has thread pages (`thread-<ts>.html`): `live.js` links the threads it
    /// rebuilds as the build does.
    thread_pages: bool,
}

/// Which view of a chat a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Numbered page `n`.
    Numbered(usize),
    /// A live chat's landing: its latest messages; `earlier` is the page holding the message
    /// just before them (`None` when they start at the chat's beginning).
    Latest { earlier: Option<usize> },
}

/// What a chat page is rendered from.
pub struct ChatPage<'a> {
    pub chat: &'a ChatHeader,
    pub slug: &'a Slug,
    pub messages: &'a [MessageView],
    /// Messages editors pinned, from every page (see [`crate::build::chat::messages::pinned`]).
    pub pinned: &'a [MessageView],
    pub kind: PageKind,
    pub total: usize,
    pub landing: Landing,
    /// The theme makes thread pages (`thread.html`).
    pub thread_pages: bool,
}

/// Renders one page of a chat.
pub fn render_chat_page(
    theme: &Theme,
    site: &SiteView,
    config: &Config,
    page: ChatPage<'_>,
) -> anyhow::Result<Vec<u8>> {
    let ChatPage {
        chat,
        slug,
        messages,
        pinned,
        kind,
        total,
        landing,
        thread_pages,
    } = page;
    let (pagination, canonical) = match kind {
        PageKind::Numbered(n) => (
            pagination(n, total, landing),
            chat_page_canonical(slug, n, landing),
        ),
        PageKind::Latest { earlier } => (latest_pagination(total, earlier), format!("{slug}/")),
    };
    let description = if chat.description.trim().is_empty() {
        messages
            .first()
            .map(|m| truncate(&m.text, 200))
            .unwrap_or_default()
    } else {
        truncate(&chat.description, 300)
    };
    let canonical_url =
        (!config.base_url.is_empty()).then(|| format!("{}/{canonical}", config.base_url()));
    let chat_url = (!config.base_url.is_empty()).then(|| format!("{}/{slug}/", config.base_url()));
    let image = card_image(chat, messages, config.base_url());
    let json_ld = chat_page_json_ld(&PageFacts {
        chat,
        messages,
        description: &description,
        site_title: &site.title,
        page_url: canonical_url.as_deref(),
        chat_url: chat_url.as_deref(),
        image: image.as_deref(),
    });
    let mut cx = Context::new();
    cx.insert("site", site);
    cx.insert("chat", chat);
    cx.insert("messages", messages);
    cx.insert("pinned", pinned);
    cx.insert("pagination", &pagination);
    cx.insert(
        "live",
        &LiveView {
            interval_ms: (config.live.interval * 1000.0).round() as u64,
            max_interval_ms: (config.live.max_interval * 1000.0).round() as u64,
            json: FeedFile::LiveJson.name(),
            jsonp: FeedFile::LiveJsonp.name(),
            callback: config.live.callback.clone(),
            thread_pages,
        },
    );
    cx.insert(
        "page",
        &PageView {
            title: match kind {
                PageKind::Numbered(n) if n > 1 => page_title(theme, &chat.headline, n),
                _ => chat.headline.clone(),
            },
            description,
            canonical_url,
            root: "../".to_owned(),
            image,
            locale: og_locale(&site.language),
            json_ld,
        },
    );
    render_page(theme, "chat.html", &cx)
}

/// Renders the index of chats.
pub fn render_index(
    theme: &Theme,
    site: &SiteView,
    config: &Config,
    chats: &[ChatSummary],
) -> anyhow::Result<Vec<u8>> {
    let mut cx = Context::new();
    cx.insert("site", site);
    cx.insert("chats", chats);
    cx.insert("page", &site_page(site, config, "", ""));
    render_page(theme, "index.html", &cx)
}

/// The search page (`search/index.html`, the theme's `search.html`): one folder deep, like a
/// chat's pages; its script finds the index beside it (docs/search.md).
pub fn render_search_page(
    theme: &Theme,
    site: &SiteView,
    config: &Config,
) -> anyhow::Result<Vec<u8>> {
    let mut cx = Context::new();
    cx.insert("site", site);
    cx.insert("page", &site_page(site, config, "search/", "../"));
    render_page(theme, "search.html", &cx)
}

/// "Headline (page 2)", in the theme's words when it has a `page_title` string.
fn page_title(theme: &Theme, headline: &str, n: usize) -> String {
    let args = std::collections::HashMap::from([
        ("title".to_owned(), serde_json::Value::from(headline)),
        ("n".to_owned(), serde_json::Value::from(n)),
    ]);
    let words = &theme.translations;
    words
        .strings
        .contains_key("page_title")
        .then(|| words.get("page_title", &args).ok())
        .flatten()
        .unwrap_or_else(|| format!("{headline} (page {n})"))
}

/// OpenGraph writes locales `en_US`: the site's `en-US` with an underscore.
pub(super) fn og_locale(language: &str) -> String {
    language.trim().replace('-', "_")
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > max / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

/// HTML minification (minify-html), with scripts left as written: the theme's inline scripts
/// are small and their authors should see them as written in the browser.
pub fn minify(html: &str) -> Vec<u8> {
    minify_html::minify(html.as_bytes(), &minify_cfg())
}

pub fn minify_cfg() -> minify_html::Cfg {
    minify_html::Cfg {
        minify_js: false,
        minify_css: true,
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        ..minify_html::Cfg::default()
    }
}

/// The `page` of a page about the whole site (the index, the search page): the site's title
/// and description, canonical at `path` under the `base_url`, `root` back to the top.
fn site_page(site: &SiteView, config: &Config, path: &str, root: &str) -> PageView {
    PageView {
        title: site.title.clone(),
        description: site.description.clone(),
        canonical_url: (!config.base_url.is_empty())
            .then(|| format!("{}/{path}", config.base_url())),
        root: root.to_owned(),
        image: None,
        locale: og_locale(&site.language),
        json_ld: String::new(),
    }
}

/// Renders one of the theme's page templates (an error names the template's file) and
/// finishes the HTML.
pub(super) fn render_page(theme: &Theme, template: &str, cx: &Context) -> anyhow::Result<Vec<u8>> {
    let html = theme
        .tera
        .render(template, cx)
        .map_err(|e| template_error(e, &theme.templates, &theme.sources))?;
    Ok(finish(theme, html))
}

/// The page's bytes: rendered from pre-minified templates, or minified now if a template
/// could not be minified as a template.
fn finish(theme: &Theme, html: String) -> Vec<u8> {
    if theme.minify_output {
        minify(&html)
    } else {
        html.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_links() {
        let p = pagination(2, 3, Landing::FirstPage);
        assert_eq!(p.prev_url.as_deref(), Some("./"));
        assert_eq!(p.next_url.as_deref(), Some("page-3.html"));
        assert_eq!(p.pages.len(), 3);
        assert!(p.pages[1].current);
        assert_eq!(p.latest_url, None);
        assert!(p.pages.iter().all(|l| !l.gap_before));
        // A live chat's first page is page-1.html: its address shows the latest messages.
        let p = pagination(2, 3, Landing::Latest);
        assert_eq!(p.prev_url.as_deref(), Some("page-1.html"));
        assert_eq!(p.latest_url.as_deref(), Some("./"));
    }

    #[test]
    fn long_chats_link_the_first_nearby_and_last_pages() {
        let numbers = |p: &Pagination| p.pages.iter().map(|l| l.number).collect::<Vec<_>>();
        let p = pagination(10, 44, Landing::FirstPage);
        assert_eq!(numbers(&p), [1, 8, 9, 10, 11, 12, 44]);
        let gaps: Vec<bool> = p.pages.iter().map(|l| l.gap_before).collect();
        assert_eq!(gaps, [false, true, false, false, false, false, true]);
        // A live chat links "Latest", not its last page, and one page on either side: page 10
        // stays as it is once page 11 has started, whatever starts after it.
        let p = pagination(10, 44, Landing::Latest);
        assert_eq!(numbers(&p), [1, 9, 10, 11]);
        assert_eq!(
            pagination_key(10, 11, Landing::Latest),
            pagination_key(10, 44, Landing::Latest)
        );
        assert_eq!(
            pagination_key(10, 12, Landing::Latest),
            pagination_key(10, 11, Landing::Latest)
        );
        assert_ne!(
            pagination_key(10, 10, Landing::Latest),
            pagination_key(10, 11, Landing::Latest)
        );
    }

    #[test]
    fn the_latest_view_links_nearby_pages_and_marks_none() {
        let p = latest_pagination(3, Some(2));
        assert_eq!(p.pages.len(), 3);
        assert!(p.latest);
        assert_eq!(p.current, 3);
        assert_eq!(p.prev_url.as_deref(), Some("page-2.html"));
        assert_eq!(p.next_url, None);
        assert!(p.pages.iter().all(|l| !l.current));
    }

    #[test]
    fn truncates_on_words() {
        assert_eq!(truncate("one two three", 9), "one two…");
        assert_eq!(truncate("short", 9), "short");
    }
}
