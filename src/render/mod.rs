//! Slack message rendering: mrkdwn `text`, rich_text and layout `blocks`, legacy `attachments`
//! and link unfurls become safe HTML plus plain text.
//!
//! Rendering is pure: a raw Slack message, a [`Lookup`] for names and an [`RenderOptions`] in,
//! [`Rendered`] out. No file system, no clock, no globals, so the build can call it from many
//! threads and tests can call it on any input.

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
}

/// Site-wide settings that change how messages render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Dates (`<!date^…>`, rich_text `date`) are shown in this zone.
    pub timezone: jiff::tz::TimeZone,
}

// Interim until the renderer lands: escape the text and nothing else.
pub fn render_message(
    message: &serde_json::Value,
    _lookup: &dyn Lookup,
    _options: &RenderOptions,
) -> Rendered {
    let text = message.get("text").and_then(|t| t.as_str()).unwrap_or("");
    Rendered {
        html: escape_html(text),
        text: text.to_owned(),
    }
}

pub fn render_mrkdwn(text: &str, _lookup: &dyn Lookup, _options: &RenderOptions) -> Rendered {
    Rendered {
        html: escape_html(text),
        text: text.to_owned(),
    }
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"))
        .then_some(u)
}

pub mod emoji {
    pub fn lookup(_shortcode: &str) -> Option<&'static str> {
        None
    }
}
