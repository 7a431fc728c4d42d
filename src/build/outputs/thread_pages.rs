//! A thread's own page (issue 16, requirement 1): `<slug>/thread-<ts>.html`, its parent and
//! every published reply, titled by the parent's text, with its canonical URL, its JSON-LD, its
//! social cards and a link back to the parent's place in the chat.
//!
//! Only threads with a published reply get one, and only under a published parent: a deleted
//! parent (a tombstone) leaves no subject to title, describe or attribute the page to, and its
//! replies are already on the chat page with their anchors; the page would be thin, and would
//! keep public, as a page of its own, a discussion whose opening its author took down. The
//! builder's side (which threads, signatures, writing) is `site_builder/threads.rs`.

use serde::Serialize;
use tera::Context;

use super::atom;
use super::pages::{ChatHeader, PageView, SiteView, og_locale, render_page, truncate};
use super::structured_data::{PageFacts, thread_card_image, thread_page_json_ld};
use super::urls::{Landing, message_link, thread_page_path};
use crate::build::chat::view::MessageView;
use crate::build::theme::Theme;
use crate::config::Config;
use crate::content::{Slug, Ts};

/// The template of a thread's page. A theme without it gets no thread pages (and its chat
/// pages no links to them).
pub const TEMPLATE: &str = "thread.html";

/// Where the thread sits in its chat, as `thread` in the template.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    /// The parent on the chat page that shows it: `page-3.html#m1520348645-000100` (`./#m…`
    /// on page 1 of a chat that is not live, whose address is page 1), relative to this page.
    pub chat_url: String,
    /// That page's number.
    pub page: usize,
    /// How many published replies the thread has.
    pub replies: usize,
}

/// What a thread's page is rendered from.
pub struct ThreadPage<'a> {
    pub chat: &'a ChatHeader,
    pub slug: &'a Slug,
    /// The parent's ts (its page's name).
    pub ts: &'a Ts,
    /// The parent, with its published replies in `thread`.
    pub parent: &'a MessageView,
    /// The numbered page of the chat that shows the parent.
    pub page: usize,
    pub landing: Landing,
}

/// Renders one thread's page with the theme's `thread.html`.
pub fn render_thread_page(
    theme: &Theme,
    site: &SiteView,
    config: &Config,
    page: ThreadPage<'_>,
) -> anyhow::Result<Vec<u8>> {
    let ThreadPage {
        chat,
        slug,
        ts,
        parent,
        page: number,
        landing,
    } = page;
    let base = config.base_url();
    let canonical_url =
        (!base.is_empty()).then(|| format!("{base}/{}", thread_page_path(slug.as_str(), ts)));
    // The parent's text on one line, cut at a word, as its Atom entry is titled.
    let title = atom::title(parent);
    let description = Some(truncate(&parent.text, 200))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| truncate(&chat.headline, 200));
    let thread = std::slice::from_ref(parent);
    let image = thread_card_image(chat, thread, base);
    let json_ld = thread_page_json_ld(
        &PageFacts {
            chat,
            messages: thread,
            description: &description,
            site_title: &site.title,
            page_url: canonical_url.as_deref(),
            chat_url: canonical_url.as_deref(),
            image: image.as_deref(),
        },
        &title,
    );
    let mut cx = Context::new();
    cx.insert("site", site);
    cx.insert("chat", chat);
    cx.insert("message", parent);
    cx.insert(
        "thread",
        &ThreadView {
            chat_url: message_link(number, landing, &parent.anchor),
            page: number,
            replies: parent.thread.len(),
        },
    );
    cx.insert(
        "page",
        &PageView {
            title,
            description,
            canonical_url,
            root: "../".to_owned(),
            image,
            locale: og_locale(&site.language),
            json_ld,
        },
    );
    render_page(theme, TEMPLATE, &cx)
}
