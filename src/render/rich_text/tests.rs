//! rich_text JSON in, HTML and plain text out: sections, lists, quotes, styles, elements.

use crate::render::test_support::{render_blocks_json, rich_text};
use serde_json::json;

fn html(elements: serde_json::Value) -> String {
    render_blocks_json(&rich_text(elements)).html
}

fn section(inline: serde_json::Value) -> serde_json::Value {
    json!({"type": "rich_text_section", "elements": inline})
}

#[test]
fn styled_text_and_merged_runs() {
    let out = html(json!([section(json!([
        {"type": "text", "text": "Hello", "style": {"bold": true}},
        {"type": "text", "text": " ", "style": {"bold": true}},
        {"type": "text", "text": "World", "style": {"bold": true, "italic": true}},
        {"type": "text", "text": " plain "},
        {"type": "text", "text": "x", "style": {"strike": true, "code": true}},
    ]))]));
    assert_eq!(
        out,
        "<b>Hello </b><b><i>World</i></b> plain <s><code>x</code></s>"
    );
}

#[test]
fn newlines_become_breaks_and_trailing_ones_vanish() {
    let out = render_blocks_json(&rich_text(json!([section(json!([
        {"type": "text", "text": "a\nb\n\nc\n"}
    ]))])));
    assert_eq!(out.html, "a<br>b<br><br>c");
    assert_eq!(out.text, "a\nb\n\nc");
    assert_eq!(
        html(json!([section(json!([{"type": "text", "text": "\n"}]))])),
        ""
    );
}

#[test]
fn text_is_raw_not_wire_format() {
    let out = render_blocks_json(&rich_text(json!([section(json!([
        {"type": "text", "text": "a &amp; <b>\"x\"</b> &lt;"}
    ]))])));
    assert_eq!(
        out.html,
        "a &amp;amp; &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp;lt;"
    );
    assert_eq!(out.text, "a &amp; <b>\"x\"</b> &lt;");
}

#[test]
fn links_only_when_safe() {
    let out = html(json!([section(json!([
        {"type": "link", "url": "https://example.com/?a=1&b=2", "text": "the report"},
        {"type": "text", "text": " "},
        {"type": "link", "url": "https://example.com"},
        {"type": "text", "text": " "},
        {"type": "link", "url": "javascript:alert(1)", "text": "click"},
        {"type": "link", "url": 42, "text": "num"},
    ]))]));
    assert_eq!(
        out,
        "<a href=\"https://example.com/?a=1&amp;b=2\" rel=\"noopener nofollow ugc\">the report</a> \
         <a href=\"https://example.com\" rel=\"noopener nofollow ugc\">https://example.com</a> clicknum"
    );
}

#[test]
fn mentions_broadcasts_and_channels() {
    let out = render_blocks_json(&rich_text(json!([section(json!([
        {"type": "user", "user_id": "U1"},
        {"type": "text", "text": " "},
        {"type": "user", "user_id": "U404"},
        {"type": "text", "text": " "},
        {"type": "usergroup", "usergroup_id": "S1"},
        {"type": "text", "text": " "},
        {"type": "channel", "channel_id": "C1"},
        {"type": "text", "text": " "},
        {"type": "channel", "channel_id": "C404"},
        {"type": "text", "text": " "},
        {"type": "broadcast", "range": "here"},
        {"type": "broadcast", "range": "everyone"},
    ]))])));
    assert_eq!(
        out.text,
        "@Alice Smith @U404 @desk #general #C404 @here@everyone"
    );
    assert!(
        out.html
            .contains("<a class=\"slack-channel\" href=\"/general/\">#general</a>")
    );
    assert!(
        out.html
            .contains("<span class=\"slack-mention\">@Alice Smith</span>")
    );
    assert!(
        out.html
            .contains("<span class=\"slack-mention slack-broadcast\">@here</span>")
    );
}

#[test]
fn emoji_unicode_field_then_name_then_custom() {
    let out = render_blocks_json(&rich_text(json!([section(json!([
        {"type": "emoji", "name": "wave", "unicode": "1f44b"},
        {"type": "emoji", "name": "+1", "unicode": "1f44d-1f3fd", "skin_tone": 4},
        {"type": "emoji", "name": "+1", "skin_tone": 2},
        {"type": "emoji", "name": "wave", "unicode": "1f44b", "skin_tone": 6},
        {"type": "emoji", "name": "tada"},
        {"type": "emoji", "name": "partyparrot"},
        {"type": "emoji", "name": "nope"},
        {"type": "emoji", "name": "x", "unicode": "zz-not-hex"},
    ]))])));
    assert_eq!(
        out.text,
        "\u{1F44B}\u{1F44D}\u{1F3FD}\u{1F44D}\u{1F3FB}\u{1F44B}\u{1F3FF}\u{1F389}:partyparrot::nope:\u{274C}"
    );
    assert!(out.html.contains(
        "<img class=\"emoji\" alt=\":partyparrot:\" src=\"https://emoji.example/parrot.gif\">"
    ));
}

#[test]
fn dates_and_colors() {
    let out = render_blocks_json(&rich_text(json!([section(json!([
        {"type": "date", "timestamp": 1392734382, "format": "{date_num} {time}", "fallback": "fb"},
        {"type": "text", "text": " "},
        {"type": "date", "timestamp": "bad", "format": "{date}", "fallback": "fallback text"},
        {"type": "text", "text": " "},
        {"type": "color", "value": "#36a64f"},
        {"type": "text", "text": " "},
        {"type": "color", "value": "red;x:url(y)"},
    ]))])));
    assert_eq!(
        out.text,
        "2014-02-18 6:39 AM fallback text #36a64f red;x:url(y)"
    );
    assert!(
        out.html
            .contains("<time datetime=\"2014-02-18T14:39:42Z\">2014-02-18 6:39 AM</time>")
    );
    assert!(out.html.contains(
        "<span class=\"slack-color-swatch\" style=\"--slack-color:#36a64f\"></span>#36a64f"
    ));
    assert!(!out.html.contains("url(y)\""));
}

#[test]
fn quote_and_preformatted() {
    let out = render_blocks_json(&rich_text(json!([
        {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted\nline", "style": {"bold": true}}]},
        {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "code <x>\n  indented", "style": {"bold": true}}]},
        section(json!([{"type": "text", "text": "after"}])),
    ])));
    assert_eq!(
        out.html,
        "<blockquote><b>quoted<br>line</b></blockquote><pre>code &lt;x&gt;\n  indented</pre>after"
    );
    assert_eq!(out.text, "quoted\nline\ncode <x>\n  indented\nafter");
}

#[test]
fn consecutive_sections_are_separate_lines() {
    let out = render_blocks_json(&rich_text(json!([
        section(json!([{"type": "text", "text": "one\n"}])),
        section(json!([{"type": "text", "text": "two"}])),
    ])));
    assert_eq!(out.html, "one<br>two");
}

fn list(style: &str, indent: u64, items: &[&str]) -> serde_json::Value {
    let elements: Vec<_> = items
        .iter()
        .map(|t| section(json!([{"type": "text", "text": t}])))
        .collect();
    json!({"type": "rich_text_list", "style": style, "indent": indent, "elements": elements})
}

#[test]
fn nested_lists_rebuilt_from_indent() {
    let out = render_blocks_json(&rich_text(json!([
        section(json!([{"type": "text", "text": "Plan:\n"}])),
        list("bullet", 0, &["a", "b"]),
        list("ordered", 1, &["b1", "b2"]),
        list("bullet", 2, &["deep"]),
        list("bullet", 0, &["c"]),
        section(json!([{"type": "text", "text": "done"}])),
    ])));
    assert_eq!(
        out.html,
        "Plan:<ul><li>a</li><li>b<ol><li>b1</li><li>b2<ul><li>deep</li></ul></li></ol></li><li>c</li></ul>done"
    );
    assert_eq!(
        out.text,
        "Plan:\n• a\n• b\n  1. b1\n  2. b2\n    • deep\n• c\ndone"
    );
}

#[test]
fn ordered_list_offset_and_style_change() {
    let mut with_offset = list("ordered", 0, &["x", "y"]);
    with_offset["offset"] = json!(3);
    let out = render_blocks_json(&rich_text(json!([with_offset, list("bullet", 0, &["z"])])));
    assert_eq!(
        out.html,
        "<ol start=\"4\"><li>x</li><li>y</li></ol><ul><li>z</li></ul>"
    );
    assert_eq!(out.text, "4. x\n5. y\n• z");
}

#[test]
fn indent_jumps_and_garbage_indents_stay_balanced() {
    let mut weird = list("bullet", 0, &["w"]);
    weird["indent"] = json!("3");
    let out = html(json!([
        list("bullet", 5, &["five"]),
        list("bullet", 1000, &["deep"]),
        list("bullet", 2, &["two"]),
        weird,
        {"type": "rich_text_list", "style": "bullet", "indent": 1, "elements": []},
        list("bullet", 2, &["x"]),
    ]));
    assert_eq!(
        out,
        "<ul><li>five<ul><li>deep</li></ul></li></ul><ul><li>two</li></ul><ul><li>w<ul><li><ul><li>x</li></ul></li></ul></li></ul>"
    );
}

#[test]
fn unknown_elements_degrade() {
    let out = html(json!([section(json!([
        {"type": "team", "team_id": "T1", "text": "Team"},
        {"type": "future_thing"},
        {"type": "message_mention", "url": "https://x.slack.com/archives/C1/p1", "text": "a message"},
        {"type": "attachment_mention", "url": "javascript:alert(1)", "text": "doc"},
        {"type": 7, "text": "seven"},
        "not an object",
        null,
    ]))]));
    assert_eq!(
        out,
        "Team<a href=\"https://x.slack.com/archives/C1/p1\" rel=\"noopener nofollow ugc\">a message</a>docseven"
    );
}

#[test]
fn hostile_shapes_do_not_panic() {
    for elements in [
        json!(null),
        json!("x"),
        json!([1, 2, 3]),
        json!([{"type": "rich_text_list", "elements": "no"}]),
        json!([{"type": "rich_text_section", "elements": {"a": 1}}]),
        json!([{"type": "rich_text_list", "indent": -1, "offset": -5, "style": ["ordered"], "elements": [1]}]),
        json!([{"type": "rich_text_list", "offset": u64::MAX, "style": "ordered", "elements": [{}]}]),
        json!([section(
            json!([{"type": "text", "text": ["a"], "style": "bold"}, {"type": "emoji", "skin_tone": 99999}])
        )]),
    ] {
        let out = render_blocks_json(&rich_text(elements));
        super::super::html_check::check_html(&out.html).expect("safe html");
    }
}
