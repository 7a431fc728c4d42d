//! Slack message rendering: mrkdwn `text`, rich_text and layout `blocks`, legacy `attachments`
//! and link unfurls become safe HTML plus plain text.
//!
//! Rendering is pure: a raw Slack message, a [`Lookup`] for names and an [`RenderOptions`] in,
//! [`Rendered`] out. No file system, no clock, no globals, so the build can call it from many
//! threads and tests can call it on any input.
//!
//! Entry points: [`render_message`] for a stored message object, [`render_mrkdwn`] for a piece of
//! Slack text, [`emoji::lookup`] for shortcodes (reactions too), and the helpers the build uses for
//! everything else it puts on a page: [`escape_html`]/[`push_escaped`] and [`safe_url`].
//!
//! Safety promises, checked by [`html_check`] in unit tests and in the fuzz targets (`fuzz/`): every
//! character of input is escaped; only the tags and attributes listed there are produced, quoted;
//! links and images point only at http, https or mailto URLs (plus site pages the [`Lookup`] gives);
//! external links carry `rel="noopener nofollow ugc"`; a `style` attribute only ever holds a
//! validated hex color. Nothing in a message can inject markup.
//!
//! Class names (for themes): `slack-mention`, `slack-broadcast`, `slack-channel`, `emoji`,
//! `slack-section`, `slack-section-text`, `slack-fields`, `slack-field`, `slack-accessory`,
//! `slack-header`, `slack-context`, `slack-context-image`, `slack-context-text`, `slack-image`,
//! `slack-image-img`, `slack-video*`, `slack-color-swatch` (with `--slack-color`), and the
//! attachment classes described in `attachments.rs` (with `--slack-attachment-color`).
//!
//! Not rendered here: a message's files, reactions, author and time (the build's view model and
//! templates show those), and nothing depends on `subtype` (a `me_message` or `channel_join`
//! renders its text like any other; styling them is the theme's business). Dates in messages are
//! shown in `RenderOptions::timezone`, with Slack's relative forms ("yesterday", "3 minutes ago")
//! rendered as absolute dates, since a static page has no "now" (see `date.rs`).

/// What a message renders to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Safe HTML fragment: every character of input escaped, links only to http, https, mailto.
    pub html: String,
    /// Plain text for feeds, `<meta>` descriptions and search.
    pub text: String,
}

/// A channel as a mention of it renders.
#[derive(Debug, Clone, Copy)]
pub struct ChannelRef<'a> {
    pub name: &'a str,
    /// The chat's page on this site, when it is published.
    pub url: Option<&'a str>,
}

/// Names and images the renderer may look up; the build provides them from the content tree.
pub trait Lookup {
    /// The name to show for a user (the build picks display name, real name, name), or `None`.
    fn user_name(&self, id: &str) -> Option<&str>;
    /// A channel's name and page.
    fn channel(&self, id: &str) -> Option<ChannelRef<'_>>;
    /// The URL of a custom workspace emoji's image, when the content tree has it.
    fn custom_emoji(&self, name: &str) -> Option<&str>;
    /// A user group's handle (`desk`, with or without `@`). Optional: without it, mentions show
    /// the handle Slack stored with the message, or the group's ID.
    fn usergroup_handle(&self, id: &str) -> Option<&str> {
        let _ = id;
        None
    }
}

/// Site-wide settings that change how messages render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Dates (`<!date^…>`, rich_text `date`) are shown in this zone.
    pub timezone: jiff::tz::TimeZone,
    /// The language of those dates' month and weekday names and clock (the site's `language`).
    pub language: crate::locale::Language,
}

mod attachments;
mod blocks;
mod color;
mod date;
pub mod emoji;
mod escape;
#[doc(hidden)]
pub mod html_check;
mod json;
mod mention;
mod message;
mod mrkdwn;
mod rich_text;
mod shortcode;
#[cfg(test)]
mod test_support;
mod url;
mod writer;

pub use escape::{escape_html, push_escaped};
pub use message::render_message;
pub(crate) use url::is_slack_file_page;
pub use url::safe_url;

use writer::Writer;

/// What every part of the renderer needs to know, passed down as one reference.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'a> {
    pub lookup: &'a dyn Lookup,
    pub options: &'a RenderOptions,
}

/// Renders Slack wire-format text (mrkdwn: `*bold*`, `<links|label>`, `<@U123>`, `:emoji:`, ...).
///
/// Only `&amp;` `&lt;` `&gt;` are entities in Slack's format; any other `&...;` is shown as typed.
pub fn render_mrkdwn(text: &str, lookup: &dyn Lookup, options: &RenderOptions) -> Rendered {
    let cx = Cx { lookup, options };
    let mut w = Writer::with_capacity(text.len());
    mrkdwn::write_mrkdwn(&mut w, text, &cx, mrkdwn::Formatting::Full);
    w.finish()
}
