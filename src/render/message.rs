//! A whole stored message: its body (blocks, else text) followed by its attachments.

use serde_json::Value;

use super::attachments::write_attachments;
use super::blocks::write_blocks;
use super::json::{array, str_field};
use super::mrkdwn::{Formatting, write_mrkdwn};
use super::{Cx, Lookup, RenderOptions, Rendered, Writer};

/// Renders a raw Slack message object (`text`, `blocks`, `attachments`, ...) as stored.
///
/// The body comes from `blocks` when they render to anything, since Slack sends a person's message
/// as rich_text blocks with `text` as a plain fallback, and bots put their content in layout
/// blocks; otherwise from `text` (mrkdwn). Attachments and link unfurls follow the body. Files,
/// reactions, the author and the time are the build's to render, not this function's.
pub fn render_message(message: &Value, lookup: &dyn Lookup, options: &RenderOptions) -> Rendered {
    let cx = Cx { lookup, options };
    let text = str_field(message, "text").unwrap_or("");
    let mut w = Writer::with_capacity(text.len() + 32);
    let blocks = array(message, "blocks");
    if !blocks.is_empty() {
        write_blocks(&mut w, blocks, &cx, 0);
    }
    if w.html_len() == 0 {
        write_mrkdwn(&mut w, text, &cx, Formatting::Full);
    }
    write_attachments(&mut w, array(message, "attachments"), &cx, 0);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::render_message_json;
    use serde_json::json;

    #[test]
    fn blocks_win_over_text() {
        let out = render_message_json(&json!({
            "text": "fallback *text*",
            "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
                {"type": "text", "text": "from blocks", "style": {"italic": true}}
            ]}]}]
        }));
        assert_eq!(out.html, "<i>from blocks</i>");
        assert_eq!(out.text, "from blocks");
    }

    #[test]
    fn text_when_blocks_render_nothing() {
        for blocks in [
            json!([]),
            json!([{"type": "actions"}]),
            json!("nonsense"),
            json!([{"type": "rich_text", "elements": []}]),
        ] {
            let out = render_message_json(&json!({"text": "hello *there*", "blocks": blocks}));
            assert_eq!(out.html, "hello <b>there</b>");
        }
    }

    #[test]
    fn any_json_value_renders_without_panic() {
        for message in [
            json!(null),
            json!(1),
            json!("text"),
            json!([]),
            json!({"text": 5, "blocks": {}, "attachments": "x"}),
        ] {
            assert_eq!(render_message_json(&message).html, "");
        }
    }

    #[test]
    fn subtype_messages_render_their_text() {
        let out = render_message_json(
            &json!({"subtype": "channel_join", "user": "U1", "text": "<@U1> has joined the channel"}),
        );
        assert_eq!(out.text, "@Alice Smith has joined the channel");
        let out = render_message_json(
            &json!({"subtype": "me_message", "text": "is checking the numbers"}),
        );
        assert_eq!(out.html, "is checking the numbers");
    }

    #[test]
    fn realistic_generated_message() {
        // Shaped like tools/gen_slack_export.py output: text and equivalent rich_text.
        let out = render_message_json(&json!({
            "type": "message", "user": "U1", "ts": "1500000000.000100",
            "text": "vote *budget* <https://example.org/report.pdf|the report> <@U1> :+1: café &lt; &amp; &gt; \"quoted\"",
            "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [{"type": "rich_text_section", "elements": [
                {"type": "text", "text": "vote "}, {"type": "text", "text": "budget", "style": {"bold": true}},
                {"type": "text", "text": " "}, {"type": "link", "url": "https://example.org/report.pdf", "text": "the report"},
                {"type": "text", "text": " "}, {"type": "user", "user_id": "U1"}, {"type": "text", "text": " "},
                {"type": "emoji", "name": "+1", "unicode": "1f44d"}, {"type": "text", "text": " café < & > \"quoted\""}
            ]}]}]
        }));
        let from_text = render_message_json(
            &json!({"text": "vote *budget* <https://example.org/report.pdf|the report> <@U1> :+1: café &lt; &amp; &gt; \"quoted\""}),
        );
        assert_eq!(out, from_text);
        assert_eq!(
            out.text,
            "vote budget the report @Alice Smith \u{1F44D} café < & > \"quoted\""
        );
    }
}
