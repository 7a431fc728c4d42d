//! Legacy `attachments`: bot posts (color bar, pretext, author, title, text, fields, images,
//! footer) and link unfurls (attachments with `from_url`/`original_url`, `service_name`).
//!
//! Markup, for themes to style:
//! ```text
//! div.slack-attachment[.slack-unfurl]
//!   div.slack-attachment-pretext                         (above the color bar, as in Slack)
//!   div.slack-attachment-body[.slack-attachment-good|-warning|-danger]
//!       [style="--slack-attachment-color:#rrggbb"]       (hex validated; nothing else in style)
//!     div.slack-attachment-service, -author, -title, -text, -fields > div.slack-attachment-field
//!     img.slack-attachment-image, img.slack-attachment-thumb, div.slack-attachment-footer
//! ```
//! Attachment strings are in Slack's wire format. `text` is rendered as mrkdwn, as Slack does for
//! bot attachments whatever `mrkdwn_in` says; `pretext`, field values and `footer` only when
//! `mrkdwn_in` lists them (otherwise just their links and emoji). An unfurl's `text` is a page
//! description, not something a person formatted, so it gets mrkdwn only when listed too.
//! `video_html` and other embeds are never rendered.

use serde_json::Value;

use super::blocks::{MAX_DEPTH, write_blocks};
use super::color::{AttachmentColor, attachment_color};
use super::json::{array, bool_field, nonempty_str, str_field};
use super::mrkdwn::{Formatting, write_mrkdwn};
use super::url::safe_url;
use super::{Cx, Writer};

pub(crate) fn write_attachments(w: &mut Writer, attachments: &[Value], cx: &Cx, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for attachment in attachments {
        if attachment.is_object() {
            write_attachment(w, attachment, cx, depth);
        }
    }
}

fn write_attachment(w: &mut Writer, a: &Value, cx: &Cx, depth: usize) {
    let unfurl_url = nonempty_str(a, "from_url").or_else(|| nonempty_str(a, "original_url"));
    let mrkdwn_in = array(a, "mrkdwn_in");
    let formatting_of = |field: &str| {
        if mrkdwn_in.iter().any(|f| f.as_str() == Some(field)) {
            Formatting::Full
        } else {
            Formatting::LinksOnly
        }
    };
    let text_formatting = if unfurl_url.is_some() {
        formatting_of("text")
    } else {
        Formatting::Full
    };

    let checkpoint = w.checkpoint();
    w.open_block(if unfurl_url.is_some() {
        "<div class=\"slack-attachment slack-unfurl\">"
    } else {
        "<div class=\"slack-attachment\">"
    });
    let pretext_absent = nonempty_str(a, "pretext").is_none();
    if let Some(pretext) = nonempty_str(a, "pretext") {
        write_div(
            w,
            "slack-attachment-pretext",
            pretext,
            cx,
            formatting_of("pretext"),
        );
    }
    open_body(w, str_field(a, "color"));
    let body_start = w.html_len();

    write_service(w, a);
    write_author(w, a);
    if let Some(title) = nonempty_str(a, "title") {
        w.open_block("<div class=\"slack-attachment-title\">");
        let link = nonempty_str(a, "title_link").or(unfurl_url);
        write_wire_link(w, link, title);
        w.close_block("</div>");
    }
    if let Some(text) = nonempty_str(a, "text") {
        write_div(w, "slack-attachment-text", text, cx, text_formatting);
    }
    write_fields(w, array(a, "fields"), cx, formatting_of("fields"));
    write_blocks(w, array(a, "blocks"), cx, depth + 1);
    // A shared message's own blocks (message unfurls).
    for shared in array(a, "message_blocks") {
        if let Some(message) = shared.get("message") {
            write_blocks(w, array(message, "blocks"), cx, depth + 1);
        }
    }
    let image = nonempty_str(a, "image_url").and_then(safe_url);
    let thumb = nonempty_str(a, "thumb_url").and_then(safe_url);
    if let Some(src) = &image {
        write_img(w, "slack-attachment-image", src);
    }
    // Slack shows an unfurl's thumbnail only when it has no large image.
    if let Some(src) = thumb.filter(|_| image.is_none() || unfurl_url.is_none()) {
        write_img(w, "slack-attachment-thumb", &src);
    }
    write_footer(w, a, cx, formatting_of("footer"));

    if w.html_len() == body_start {
        // Nothing in the body: show the fallback, Slack's plain-text summary, or nothing at all.
        match nonempty_str(a, "fallback") {
            Some(fallback) => w.wire_text(fallback),
            None if pretext_absent => {
                w.rollback(checkpoint);
                return;
            }
            None => {}
        }
    }
    w.close_block("</div>");
    w.close_block("</div>");
}

fn open_body(w: &mut Writer, color: Option<&str>) {
    match color.and_then(attachment_color) {
        Some(AttachmentColor::Named(name)) => {
            w.open_block("<div class=\"slack-attachment-body slack-attachment-");
            w.attr(name);
            w.markup("\">");
        }
        Some(AttachmentColor::Hex(digits)) => {
            w.open_block("<div class=\"slack-attachment-body\" style=\"--slack-attachment-color:#");
            w.attr(digits);
            w.markup("\">");
        }
        None => w.open_block("<div class=\"slack-attachment-body\">"),
    }
}

/// `div.class` holding mrkdwn.
fn write_div(w: &mut Writer, class: &str, text: &str, cx: &Cx, formatting: Formatting) {
    w.open_block("<div class=\"");
    w.attr(class);
    w.markup("\">");
    write_mrkdwn(w, text, cx, formatting);
    w.close_block("</div>");
}

/// Wire-format text, linked when `link` is a safe URL.
fn write_wire_link(w: &mut Writer, link: Option<&str>, text: &str) {
    match link
        .map(super::escape::decode_wire)
        .as_deref()
        .and_then(safe_url)
    {
        Some(href) => {
            w.open("<a href=\"");
            w.attr(&href);
            w.markup("\" rel=\"noopener nofollow ugc\">");
            w.wire_text(text);
            w.close("</a>");
        }
        None => w.wire_text(text),
    }
}

fn write_img(w: &mut Writer, class: &str, src: &str) {
    w.open_object("<img class=\"");
    w.attr(class);
    w.markup("\" src=\"");
    w.attr(src);
    w.markup("\" alt=\"\" loading=\"lazy\">");
}

/// A small icon before a line (service, author, footer); decorative, so empty alt text.
fn write_icon(w: &mut Writer, a: &Value, key: &str) {
    if let Some(src) = nonempty_str(a, key).and_then(safe_url) {
        write_img(w, "slack-attachment-icon", &src);
    }
}

fn write_service(w: &mut Writer, a: &Value) {
    let Some(name) = nonempty_str(a, "service_name") else {
        return;
    };
    w.open_block("<div class=\"slack-attachment-service\">");
    write_icon(w, a, "service_icon");
    write_wire_link(w, nonempty_str(a, "service_url"), name);
    w.close_block("</div>");
}

fn write_author(w: &mut Writer, a: &Value) {
    let Some(name) = nonempty_str(a, "author_name") else {
        return;
    };
    w.open_block("<div class=\"slack-attachment-author\">");
    write_icon(w, a, "author_icon");
    write_wire_link(w, nonempty_str(a, "author_link"), name);
    w.close_block("</div>");
}

fn write_fields(w: &mut Writer, fields: &[Value], cx: &Cx, formatting: Formatting) {
    let fields: Vec<&Value> = fields
        .iter()
        .filter(|f| nonempty_str(f, "title").is_some() || nonempty_str(f, "value").is_some())
        .collect();
    if fields.is_empty() {
        return;
    }
    w.open_block("<div class=\"slack-attachment-fields\">");
    for field in fields {
        w.open_block(if bool_field(field, "short") {
            "<div class=\"slack-attachment-field slack-attachment-field-short\">"
        } else {
            "<div class=\"slack-attachment-field\">"
        });
        if let Some(title) = nonempty_str(field, "title") {
            w.open_block("<div class=\"slack-attachment-field-title\">");
            w.wire_text(title);
            w.close_block("</div>");
        }
        if let Some(value) = nonempty_str(field, "value") {
            write_div(w, "slack-attachment-field-value", value, cx, formatting);
        }
        w.close_block("</div>");
    }
    w.close_block("</div>");
}

fn write_footer(w: &mut Writer, a: &Value, cx: &Cx, formatting: Formatting) {
    let Some(footer) = nonempty_str(a, "footer") else {
        return;
    };
    w.open_block("<div class=\"slack-attachment-footer\">");
    write_icon(w, a, "footer_icon");
    write_mrkdwn(w, footer, cx, formatting);
    w.close_block("</div>");
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render_message_json;
    use serde_json::json;

    #[test]
    fn bot_attachment_with_everything() {
        let out = render_message_json(&json!({
            "text": "New results posted",
            "attachments": [{
                "fallback": "Results: 52% to 48%", "color": "36a64f", "pretext": "County *update*",
                "author_name": "Desk", "author_link": "https://example.com/desk", "author_icon": "https://example.com/i.png",
                "title": "Results &amp; more", "title_link": "https://example.com/results",
                "text": "*52%* to 48% with <https://example.com/x|90%> reporting",
                "fields": [{"title": "Turnout", "value": "_61%_", "short": true}, {"title": "", "value": ""}],
                "image_url": "https://example.com/chart.png", "thumb_url": "https://example.com/t.png",
                "footer": "Desk bot", "footer_icon": "javascript:alert(1)", "ts": 123,
                "mrkdwn_in": ["fields"]
            }]
        }));
        assert_eq!(
            out.html,
            "New results posted<div class=\"slack-attachment\">\
             <div class=\"slack-attachment-pretext\">County *update*</div>\
             <div class=\"slack-attachment-body\" style=\"--slack-attachment-color:#36a64f\">\
             <div class=\"slack-attachment-author\"><img class=\"slack-attachment-icon\" src=\"https://example.com/i.png\" alt=\"\" loading=\"lazy\">\
             <a href=\"https://example.com/desk\" rel=\"noopener nofollow ugc\">Desk</a></div>\
             <div class=\"slack-attachment-title\"><a href=\"https://example.com/results\" rel=\"noopener nofollow ugc\">Results &amp; more</a></div>\
             <div class=\"slack-attachment-text\"><b>52%</b> to 48% with <a href=\"https://example.com/x\" rel=\"noopener nofollow ugc\">90%</a> reporting</div>\
             <div class=\"slack-attachment-fields\"><div class=\"slack-attachment-field slack-attachment-field-short\">\
             <div class=\"slack-attachment-field-title\">Turnout</div><div class=\"slack-attachment-field-value\"><i>61%</i></div></div></div>\
             <img class=\"slack-attachment-image\" src=\"https://example.com/chart.png\" alt=\"\" loading=\"lazy\">\
             <img class=\"slack-attachment-thumb\" src=\"https://example.com/t.png\" alt=\"\" loading=\"lazy\">\
             <div class=\"slack-attachment-footer\">Desk bot</div></div></div>"
        );
        assert_eq!(
            out.text,
            "New results posted\nCounty *update*\nDesk\nResults & more\n52% to 48% with 90% reporting\nTurnout\n61%\nDesk bot"
        );
    }

    #[test]
    fn link_unfurl() {
        let out = render_message_json(&json!({
            "text": "<https://www.youtube.com/watch?v=zwYV11a__HQ>",
            "attachments": [{
                "service_name": "YouTube", "service_url": "https://www.youtube.com/",
                "title": "Introduction to *Genetic* Algorithms", "title_link": "https://www.youtube.com/watch?v=zwYV11a__HQ",
                "author_name": "chriskam1250", "thumb_url": "https://i.ytimg.com/vi/zwYV11a__HQ/hqdefault.jpg",
                "video_html": "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
                "from_url": "https://www.youtube.com/watch?v=zwYV11a__HQ", "text": "a *b* c"
            }]
        }));
        assert!(
            out.html
                .contains("<div class=\"slack-attachment slack-unfurl\">")
        );
        assert!(out.html.contains("<div class=\"slack-attachment-service\"><a href=\"https://www.youtube.com/\" rel=\"noopener nofollow ugc\">YouTube</a></div>"));
        assert!(
            out.html
                .contains("<div class=\"slack-attachment-text\">a *b* c</div>")
        );
        assert!(
            out.html
                .contains("src=\"https://i.ytimg.com/vi/zwYV11a__HQ/hqdefault.jpg\"")
        );
        assert!(!out.html.contains("iframe"));
        assert!(
            out.text
                .ends_with("YouTube\nchriskam1250\nIntroduction to *Genetic* Algorithms\na *b* c")
        );
    }

    #[test]
    fn unfurl_title_links_to_from_url_and_prefers_large_image() {
        let out = render_message_json(&json!({"attachments": [{
            "title": "Page", "original_url": "https://example.com/p",
            "image_url": "https://example.com/big.png", "thumb_url": "https://example.com/small.png"
        }]}));
        assert!(
            out.html.contains(
                "<a href=\"https://example.com/p\" rel=\"noopener nofollow ugc\">Page</a>"
            )
        );
        assert!(out.html.contains("big.png"));
        assert!(!out.html.contains("small.png"));
    }

    #[test]
    fn colors_named_hex_and_refused() {
        let body = |color: serde_json::Value| {
            render_message_json(&json!({"attachments": [{"text": "x", "color": color}]})).html
        };
        assert!(
            body(json!("good"))
                .contains("<div class=\"slack-attachment-body slack-attachment-good\">")
        );
        assert!(body(json!("#FF0000")).contains("style=\"--slack-attachment-color:#FF0000\""));
        for bad in [
            json!("red"),
            json!("#ff0000;background:url(javascript:x)"),
            json!(16711680),
            json!("\"><script>"),
        ] {
            let html = body(bad);
            assert!(!html.contains("style="), "{html}");
            assert!(html.contains("<div class=\"slack-attachment-body\">"));
        }
    }

    #[test]
    fn fallback_only_when_nothing_else() {
        let out = render_message_json(
            &json!({"attachments": [{"fallback": "Summary &lt;1&gt;"}, {"fallback": "unused", "text": "shown"}]}),
        );
        assert_eq!(out.text, "Summary <1>\nshown");
        assert!(!out.html.contains("unused"));
    }

    #[test]
    fn empty_attachments_leave_nothing() {
        let out = render_message_json(
            &json!({"text": "hi", "attachments": [{}, {"color": "good"}, {"id": 1, "footer_icon": "https://x.example/i.png"}]}),
        );
        assert_eq!(out.html, "hi");
        assert_eq!(out.text, "hi");
    }

    #[test]
    fn attachment_blocks_and_message_unfurls() {
        let out = render_message_json(&json!({"attachments": [
            {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "in *block*"}}]},
            {"is_msg_unfurl": true, "from_url": "https://x.slack.com/archives/C1/p1", "message_blocks": [
                {"message": {"blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "shared"}]}]}]}}
            ]},
            "not an object", 5
        ]}));
        assert_eq!(out.text, "in block\nshared");
    }

    #[test]
    fn unsafe_links_in_attachments_are_text() {
        let out = render_message_json(&json!({"attachments": [{
            "title": "t", "title_link": "javascript:alert(1)", "author_name": "a", "author_link": "//evil.example",
            "image_url": "javascript:alert(1)", "thumb_url": "data:image/png,x", "text": "<javascript:alert(1)|click>"
        }]}));
        assert!(!out.html.contains("javascript"), "{}", out.html);
        assert!(!out.html.contains("evil"), "{}", out.html);
        assert!(!out.html.contains("<img"), "{}", out.html);
        assert_eq!(out.text, "a\nt\nclick");
    }
}
