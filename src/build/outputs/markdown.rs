//! Markdown in `channel.toml` (description, intro, closing note) to safe HTML.
//!
//! Editors write these, but a channel's description starts as its Slack topic, which anyone in
//! the channel can set: raw HTML is shown as text and links keep only http, https and mailto.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::render::safe_url;

pub fn to_html(markdown: &str) -> String {
    if markdown.trim().is_empty() {
        return String::new();
    }
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_SMART_PUNCTUATION;
    // Unsafe links and images lose their tag but keep their text.
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = safe_url(&dest_url).is_some();
            dropped.push(!safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = safe_url(&dest_url).is_some_and(|u| !u.starts_with("mailto:"));
            dropped.push(!safe);
            safe.then_some(Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
            if dropped.pop().unwrap_or(false) {
                None
            } else {
                Some(event)
            }
        }
        Event::Text(t) => Some(Event::Text(CowStr::from(t.into_string()))),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_script_links_are_text() {
        let out =
            to_html("Hi <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.b/)");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("<a href=\"https://a.b/\">ok</a>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn plain_markdown() {
        assert_eq!(to_html("*live* now"), "<p><em>live</em> now</p>\n");
        assert_eq!(to_html("  "), "");
    }
}
