//! Block Kit `blocks`: rich_text (see [`rich_text`](super::rich_text)) and the layout blocks bots
//! post: section, header, context, divider, image, video, and `container`-style wrappers.
//! Interactive blocks (actions, input) and `file` blocks render nothing: buttons do nothing on a
//! static page, and the build renders a message's files itself.

use serde_json::Value;

use super::json::{array, nonempty_str, str_field, type_of};
use super::mrkdwn::{Formatting, write_mrkdwn};
use super::rich_text::write_rich_text;
use super::shortcode::write_text_with_emoji;
use super::url::safe_url;
use super::{Cx, Writer};

/// How deep blocks may nest (attachments holding blocks, containers holding child blocks), so
/// hostile JSON cannot recurse without bound.
pub(crate) const MAX_DEPTH: usize = 4;

pub(crate) fn write_blocks(w: &mut Writer, blocks: &[Value], cx: &Cx, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for block in blocks {
        match type_of(block) {
            "rich_text" => write_rich_text(w, array(block, "elements"), cx),
            "section" => write_section(w, block, cx),
            "header" => {
                if let Some(text) = block.get("text").filter(|t| has_text(t)) {
                    w.open_block("<h3 class=\"slack-header\">");
                    write_plain_text_object(w, text, cx);
                    w.close_block("</h3>");
                }
            }
            "context" => write_context(w, block, cx),
            "divider" => {
                w.open_block("<hr>");
                w.close_block("");
            }
            "image" => write_image_block(w, block, cx),
            "video" => write_video(w, block, cx),
            _ => write_blocks(w, array(block, "child_blocks"), cx, depth + 1),
        }
    }
}

/// Whether a text object (or a bare string) has anything to show.
fn has_text(object: &Value) -> bool {
    match object {
        Value::String(s) => !s.is_empty(),
        _ => nonempty_str(object, "text").is_some(),
    }
}

/// A composition text object: `mrkdwn` (wire format) or `plain_text` (raw; `:shortcodes:` become
/// emoji unless `emoji` is false). A bare string is taken as plain text.
pub(crate) fn write_text_object(w: &mut Writer, object: &Value, cx: &Cx) {
    if type_of(object) == "mrkdwn" {
        write_mrkdwn(
            w,
            str_field(object, "text").unwrap_or(""),
            cx,
            Formatting::Full,
        );
    } else {
        write_plain_text_object(w, object, cx);
    }
}

/// A text object as plain text whatever its `type`, where Slack allows only `plain_text`
/// (headers, image and video titles): mrkdwn there could nest a link in a link or a block in a
/// heading.
fn write_plain_text_object(w: &mut Writer, object: &Value, cx: &Cx) {
    let text = match object {
        Value::String(s) => s.as_str(),
        _ => str_field(object, "text").unwrap_or(""),
    };
    let emoji = object.get("emoji").and_then(Value::as_bool).unwrap_or(true);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            w.newline();
        }
        if emoji {
            write_text_with_emoji(w, line, cx);
        } else {
            w.text(line);
        }
    }
}

fn write_section(w: &mut Writer, block: &Value, cx: &Cx) {
    let text = block.get("text").filter(|t| has_text(t));
    let fields = array(block, "fields");
    let accessory = block
        .get("accessory")
        .filter(|a| type_of(a) == "image" && image_src(a).is_some());
    if text.is_none() && fields.is_empty() && accessory.is_none() {
        return;
    }
    w.open_block("<div class=\"slack-section\">");
    if let Some(text) = text {
        w.open_block("<div class=\"slack-section-text\">");
        write_text_object(w, text, cx);
        w.close_block("</div>");
    }
    if !fields.is_empty() {
        w.open_block("<div class=\"slack-fields\">");
        for field in fields {
            w.open_block("<div class=\"slack-field\">");
            write_text_object(w, field, cx);
            w.close_block("</div>");
        }
        w.close_block("</div>");
    }
    if let Some(image) = accessory {
        write_img(w, image, "slack-accessory");
    }
    w.close_block("</div>");
}

fn write_context(w: &mut Writer, block: &Value, cx: &Cx) {
    let elements: Vec<&Value> = array(block, "elements")
        .iter()
        .filter(|e| match type_of(e) {
            "image" => image_src(e).is_some(),
            "mrkdwn" | "plain_text" => has_text(e),
            _ => false,
        })
        .collect();
    if elements.is_empty() {
        return;
    }
    w.open_block("<div class=\"slack-context\">");
    for (n, element) in elements.iter().enumerate() {
        if n > 0 {
            w.text(" ");
        }
        if type_of(element) == "image" {
            write_img(w, element, "slack-context-image");
        } else {
            w.open("<span class=\"slack-context-text\">");
            write_text_object(w, element, cx);
            w.close("</span>");
        }
    }
    w.close_block("</div>");
}

/// An image's URL: `image_url`, or the `url` of a `slack_file` reference.
fn image_src(image: &Value) -> Option<std::borrow::Cow<'_, str>> {
    str_field(image, "image_url")
        .or_else(|| image.get("slack_file").and_then(|f| str_field(f, "url")))
        .and_then(safe_url)
}

/// `<img>` for an image element or accessory; nothing when its URL is not safe.
fn write_img(w: &mut Writer, image: &Value, class: &str) {
    let Some(src) = image_src(image) else {
        return;
    };
    w.open_object("<img class=\"");
    w.attr(class);
    w.markup("\" src=\"");
    w.attr(&src);
    w.markup("\" alt=\"");
    w.attr(str_field(image, "alt_text").unwrap_or(""));
    w.markup("\" loading=\"lazy\">");
}

fn write_image_block(w: &mut Writer, block: &Value, cx: &Cx) {
    if image_src(block).is_none() {
        return;
    }
    w.open_block("<figure class=\"slack-image\">");
    write_img(w, block, "slack-image-img");
    if let Some(title) = block.get("title").filter(|t| has_text(t)) {
        w.open_block("<figcaption>");
        write_plain_text_object(w, title, cx);
        w.close_block("</figcaption>");
    }
    w.close_block("</figure>");
}

/// A video block: its title (linked to `title_url` when safe), description and thumbnail. The
/// player itself (`video_url`) is an embed we do not put on the page.
fn write_video(w: &mut Writer, block: &Value, cx: &Cx) {
    let title = block.get("title").filter(|t| has_text(t));
    let thumbnail = str_field(block, "thumbnail_url").and_then(safe_url);
    if title.is_none() && thumbnail.is_none() {
        return;
    }
    w.open_block("<div class=\"slack-video\">");
    if let Some(title) = title {
        w.open_block("<div class=\"slack-video-title\">");
        let href = str_field(block, "title_url").and_then(safe_url);
        if let Some(href) = &href {
            w.open("<a href=\"");
            w.attr(href);
            w.markup("\" rel=\"noopener nofollow ugc\">");
        }
        write_plain_text_object(w, title, cx);
        if href.is_some() {
            w.close("</a>");
        }
        w.close_block("</div>");
    }
    if let Some(description) = block.get("description").filter(|t| has_text(t)) {
        w.open_block("<div class=\"slack-video-description\">");
        write_text_object(w, description, cx);
        w.close_block("</div>");
    }
    if let Some(src) = thumbnail {
        w.open_object("<img class=\"slack-video-thumbnail\" src=\"");
        w.attr(&src);
        w.markup("\" alt=\"");
        w.attr(str_field(block, "alt_text").unwrap_or(""));
        w.markup("\" loading=\"lazy\">");
    }
    w.close_block("</div>");
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render_blocks_json;
    use serde_json::json;

    #[test]
    fn section_with_mrkdwn_fields_and_accessory() {
        let out = render_blocks_json(&json!([{
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Results* &amp; <https://example.com|more>"},
            "fields": [{"type": "plain_text", "text": "Turnout :tada:"}, {"type": "mrkdwn", "text": "_52%_"}],
            "accessory": {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "chart \"1\""}
        }]));
        assert_eq!(
            out.html,
            "<div class=\"slack-section\"><div class=\"slack-section-text\"><b>Results</b> &amp; \
             <a href=\"https://example.com\" rel=\"noopener nofollow ugc\">more</a></div>\
             <div class=\"slack-fields\"><div class=\"slack-field\">Turnout \u{1F389}</div>\
             <div class=\"slack-field\"><i>52%</i></div></div>\
             <img class=\"slack-accessory\" src=\"https://example.com/a.png\" alt=\"chart &quot;1&quot;\" loading=\"lazy\"></div>"
        );
        assert_eq!(out.text, "Results & more\nTurnout \u{1F389}\n52%");
    }

    #[test]
    fn plain_text_is_raw_and_emoji_can_be_off() {
        let out = render_blocks_json(&json!([
            {"type": "section", "text": {"type": "plain_text", "text": "a &amp; <b> :tada:", "emoji": false}},
            {"type": "header", "text": {"type": "plain_text", "text": "Head <1>"}},
        ]));
        assert_eq!(
            out.html,
            "<div class=\"slack-section\"><div class=\"slack-section-text\">a &amp;amp; &lt;b&gt; :tada:</div></div>\
             <h3 class=\"slack-header\">Head &lt;1&gt;</h3>"
        );
    }

    #[test]
    fn context_divider_image() {
        let out = render_blocks_json(&json!([
            {"type": "context", "elements": [
                {"type": "image", "image_url": "https://example.com/i.png", "alt_text": "icon"},
                {"type": "mrkdwn", "text": "by *desk*"},
                {"type": "plain_text", "text": "today"},
                {"type": "image", "image_url": "javascript:alert(1)"},
            ]},
            {"type": "divider"},
            {"type": "image", "image_url": "https://example.com/big.png", "alt_text": "big", "title": {"type": "plain_text", "text": "Caption"}},
            {"type": "image", "image_url": "data:image/png;base64,xx"},
        ]));
        assert_eq!(
            out.html,
            "<div class=\"slack-context\"><img class=\"slack-context-image\" src=\"https://example.com/i.png\" alt=\"icon\" loading=\"lazy\"> \
             <span class=\"slack-context-text\">by <b>desk</b></span> <span class=\"slack-context-text\">today</span></div>\
             <hr><figure class=\"slack-image\"><img class=\"slack-image-img\" src=\"https://example.com/big.png\" alt=\"big\" loading=\"lazy\">\
             <figcaption>Caption</figcaption></figure>"
        );
        assert_eq!(out.text, "by desk today\nCaption");
    }

    #[test]
    fn interactive_and_unknown_blocks_render_nothing() {
        let out = render_blocks_json(&json!([
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Click"}}]},
            {"type": "input", "label": {"type": "plain_text", "text": "label"}},
            {"type": "file", "external_id": "x"},
            {"type": "some_future_block", "text": "Text"},
            {"type": "section"},
            {"type": "context", "elements": []},
            {"type": "header", "text": {"type": "plain_text", "text": ""}},
        ]));
        assert_eq!(out.html, "");
    }

    #[test]
    fn containers_nest_only_so_deep() {
        let mut block = json!({"type": "section", "text": {"type": "plain_text", "text": "deep"}});
        for _ in 0..3 {
            block = json!({"type": "container", "child_blocks": [block]});
        }
        assert_eq!(render_blocks_json(&json!([block.clone()])).text, "deep");
        for _ in 0..10 {
            block = json!({"type": "container", "child_blocks": [block]});
        }
        assert_eq!(render_blocks_json(&json!([block])).text, "");
    }

    #[test]
    fn plain_only_places_ignore_mrkdwn() {
        let out = render_blocks_json(&json!([
            {"type": "header", "text": {"type": "mrkdwn", "text": "```pre``` <https://x.example|l>"}},
            {"type": "video", "title": {"type": "mrkdwn", "text": "<https://y.example|inner>"}, "title_url": "https://x.example"},
        ]));
        assert!(!out.html.contains("<pre>"));
        assert_eq!(out.html.matches("<a ").count(), 1);
    }

    #[test]
    fn video_block() {
        let out = render_blocks_json(&json!([{
            "type": "video", "alt_text": "alt", "title": {"type": "plain_text", "text": "Video"},
            "title_url": "https://example.com/v", "thumbnail_url": "https://example.com/t.jpg",
            "video_url": "https://example.com/embed", "description": {"type": "plain_text", "text": "Desc"}
        }]));
        assert_eq!(
            out.html,
            "<div class=\"slack-video\"><div class=\"slack-video-title\"><a href=\"https://example.com/v\" rel=\"noopener nofollow ugc\">Video</a></div>\
             <div class=\"slack-video-description\">Desc</div>\
             <img class=\"slack-video-thumbnail\" src=\"https://example.com/t.jpg\" alt=\"alt\" loading=\"lazy\"></div>"
        );
    }
}
