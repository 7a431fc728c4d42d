//! rich_text blocks: what Slack's composer sends for every message typed by a person.
//!
//! A rich_text block is a flat list of sections, lists, quotes and preformatted runs, each holding
//! inline elements (`text` with a `style`, `link`, `user`, `emoji`, ...). Unlike mrkdwn, text here
//! is raw (not entity-escaped). Nested lists are not nested in the JSON: Slack sends consecutive
//! `rich_text_list` elements with an `indent`, and the nesting is rebuilt here.

use serde_json::Value;

use super::color::hex_digits;
use super::json::{array, bool_field, i64_field, nonempty_str, str_field, type_of};
use super::mention;
use super::shortcode::write_custom_emoji;
use super::url::safe_url;
use super::{Cx, Writer, date, emoji};

/// Slack's composer allows list indents 0..=8; deeper values are treated as 8.
const MAX_LIST_INDENT: u64 = 8;

pub(crate) fn write_rich_text(w: &mut Writer, elements: &[Value], cx: &Cx) {
    let mut i = 0;
    let mut after_inline = false;
    while i < elements.len() {
        let element = &elements[i];
        match type_of(element) {
            "rich_text_list" => {
                let run = elements[i..]
                    .iter()
                    .take_while(|e| type_of(e) == "rich_text_list")
                    .count();
                write_lists(w, &elements[i..i + run], cx);
                i += run;
                after_inline = false;
                continue;
            }
            "rich_text_quote" => {
                w.open_block("<blockquote>");
                write_inline(w, array(element, "elements"), cx, false);
                w.close_block("</blockquote>");
                after_inline = false;
            }
            "rich_text_preformatted" => {
                w.open_pre();
                write_inline(w, array(element, "elements"), cx, true);
                w.close_pre();
                after_inline = false;
            }
            "rich_text_section" => {
                if after_inline {
                    w.ensure_newline();
                }
                write_inline(w, array(element, "elements"), cx, false);
                after_inline = true;
            }
            // An inline element where a section was expected: render it as one.
            _ => {
                write_inline(w, std::slice::from_ref(element), cx, false);
                after_inline = true;
            }
        }
        i += 1;
    }
}

/// One open list level while rebuilding nesting.
struct Level {
    ordered: bool,
    indent: u64,
    /// Number of the next item, for the plain text.
    next_number: u64,
    item_open: bool,
}

impl Level {
    fn close(&self, w: &mut Writer) {
        if self.item_open {
            w.close_block("</li>");
        }
        w.close_block(if self.ordered { "</ol>" } else { "</ul>" });
    }
}

/// A run of consecutive `rich_text_list` elements, as nested `<ul>`/`<ol>`: a list with a larger
/// `indent` than the one before nests inside that one's last item; a smaller one goes back out
/// and continues the outer list where it left off.
fn write_lists(w: &mut Writer, lists: &[Value], cx: &Cx) {
    let mut levels: Vec<Level> = Vec::new();
    for list in lists {
        let ordered = str_field(list, "style") == Some("ordered");
        let indent = list
            .get("indent")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_LIST_INDENT);
        while levels.last().is_some_and(|top| top.indent > indent) {
            if let Some(level) = levels.pop() {
                level.close(w);
            }
        }
        if levels
            .last()
            .is_some_and(|top| top.indent == indent && top.ordered != ordered)
            && let Some(level) = levels.pop()
        {
            level.close(w);
        }
        if levels.last().is_none_or(|top| top.indent != indent) {
            if let Some(parent) = levels.last_mut()
                && !parent.item_open
            {
                // A list with no items of its own still needs an item to nest in.
                w.open_block("<li>");
                parent.item_open = true;
            }
            let offset = list
                .get("offset")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(u64::from(u32::MAX));
            if ordered && offset > 0 {
                w.open_block(&format!("<ol start=\"{}\">", offset + 1));
            } else {
                w.open_block(if ordered { "<ol>" } else { "<ul>" });
            }
            levels.push(Level {
                ordered,
                indent,
                next_number: offset + 1,
                item_open: false,
            });
        }
        let depth = levels.len().saturating_sub(1);
        let Some(level) = levels.last_mut() else {
            continue;
        };
        for item in array(list, "elements") {
            if level.item_open {
                w.close_block("</li>");
            }
            w.open_block("<li>");
            level.item_open = true;
            for _ in 0..depth {
                w.text_only("  ");
            }
            if level.ordered {
                w.text_only(&format!("{}. ", level.next_number));
                level.next_number += 1;
            } else {
                w.text_only("• ");
            }
            if type_of(item) == "rich_text_section" {
                write_inline(w, array(item, "elements"), cx, false);
            } else {
                write_inline(w, std::slice::from_ref(item), cx, false);
            }
        }
    }
    while let Some(level) = levels.pop() {
        level.close(w);
    }
}

/// The text styles rich_text can put on an element.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    bold: bool,
    italic: bool,
    strike: bool,
    code: bool,
}

impl Style {
    fn of(element: &Value) -> Style {
        let Some(style) = element.get("style") else {
            return Style::default();
        };
        Style {
            bold: bool_field(style, "bold"),
            italic: bool_field(style, "italic"),
            strike: bool_field(style, "strike"),
            code: bool_field(style, "code"),
        }
    }

    /// (on, opening tag, closing tag), outermost first.
    fn tags(self) -> [(bool, &'static str, &'static str); 4] {
        [
            (self.bold, "<b>", "</b>"),
            (self.italic, "<i>", "</i>"),
            (self.strike, "<s>", "</s>"),
            (self.code, "<code>", "</code>"),
        ]
    }

    /// Moves from `self` to `next`, keeping tags open across elements of the same style so that
    /// `**Hello** **World**` sent as three bold elements is one `<b>`.
    fn switch_to(&mut self, next: Style, w: &mut Writer) {
        if *self == next {
            return;
        }
        for (on, _, close) in self.tags().iter().rev() {
            if *on {
                w.close(close);
            }
        }
        for (on, open, _) in next.tags() {
            if on {
                w.open(open);
            }
        }
        *self = next;
    }
}

/// Inline elements of a section, quote, list item or preformatted run. In `pre`, styles are not
/// rendered and newlines stay newlines.
fn write_inline(w: &mut Writer, elements: &[Value], cx: &Cx, pre: bool) {
    let mut style = Style::default();
    for element in elements {
        if !pre {
            style.switch_to(Style::of(element), w);
        }
        write_element(w, element, cx, pre);
    }
    style.switch_to(Style::default(), w);
}

fn write_element(w: &mut Writer, element: &Value, cx: &Cx, pre: bool) {
    match type_of(element) {
        "text" => write_text(w, str_field(element, "text").unwrap_or(""), pre),
        "link" => write_link(w, str_field(element, "url"), nonempty_str(element, "text")),
        "user" => mention::write_user(w, cx, str_field(element, "user_id").unwrap_or(""), None),
        "usergroup" => mention::write_usergroup(
            w,
            cx,
            str_field(element, "usergroup_id").unwrap_or(""),
            None,
        ),
        "channel" => {
            mention::write_channel(w, cx, str_field(element, "channel_id").unwrap_or(""), None)
        }
        "emoji" => write_emoji(w, element, cx),
        "broadcast" => {
            let range = str_field(element, "range").unwrap_or("");
            match mention::broadcast_name(range) {
                Some(name) => mention::write_broadcast(w, name),
                None if !range.is_empty() => w.text(&format!("@{range}")),
                None => {}
            }
        }
        "date" => {
            let written = i64_field(element, "timestamp").is_some_and(|epoch| {
                let format = str_field(element, "format").unwrap_or("{date_short} {time}");
                let link = str_field(element, "url");
                date::write_date(w, epoch, format, link, &cx.options.timezone)
            });
            if !written {
                w.text(str_field(element, "fallback").unwrap_or(""));
            }
        }
        "color" => write_color(w, str_field(element, "value").unwrap_or("")),
        // Unknown or undocumented elements (`team`, `attachment_mention`, future types): a link
        // if they carry a safe URL, else their text, else nothing.
        _ => {
            let text = nonempty_str(element, "text");
            match nonempty_str(element, "url") {
                Some(url) if safe_url(url).is_some() => write_link(w, Some(url), text),
                _ => w.text(text.unwrap_or("")),
            }
        }
    }
}

fn write_text(w: &mut Writer, text: &str, pre: bool) {
    if pre {
        w.text(text);
        return;
    }
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            w.newline();
        }
        w.text(line);
    }
}

/// A link when the URL is safe; otherwise its text (or the URL) as plain text.
fn write_link(w: &mut Writer, url: Option<&str>, text: Option<&str>) {
    let label = text.or(url).unwrap_or("");
    match url.and_then(safe_url) {
        Some(href) => {
            w.open("<a href=\"");
            w.attr(&href);
            w.markup("\" rel=\"noopener nofollow ugc\">");
            write_text(w, label, false);
            w.close("</a>");
        }
        None => write_text(w, label, false),
    }
}

/// The `unicode` field (hex code points) is what Slack itself shows, so it wins over the name;
/// a `skin_tone` it lacks is applied from the table. Custom emoji have no `unicode`.
fn write_emoji(w: &mut Writer, element: &Value, cx: &Cx) {
    let name = str_field(element, "name").unwrap_or("");
    let tone = element
        .get("skin_tone")
        .and_then(Value::as_u64)
        .and_then(|t| u8::try_from(t).ok())
        .unwrap_or(0);
    let toned = (2..=6)
        .contains(&tone)
        .then(|| emoji::lookup_toned(name, tone, 0))
        .flatten();
    let from_unicode = str_field(element, "unicode").and_then(emoji::from_hex_codepoints);
    let has_modifier = |s: &str| s.chars().any(|c| ('\u{1F3FB}'..='\u{1F3FF}').contains(&c));
    match (from_unicode, toned) {
        (Some(glyph), Some(toned)) if !has_modifier(&glyph) => w.text(toned),
        (Some(glyph), _) => w.text(&glyph),
        (None, Some(toned)) => w.text(toned),
        (None, None) => match emoji::lookup(name) {
            Some(glyph) => w.text(glyph),
            None => write_custom_emoji(w, cx, name),
        },
    }
}

/// A color value as text, after a swatch when it is valid hex (the only value put in `style`).
fn write_color(w: &mut Writer, value: &str) {
    if let Some(digits) = hex_digits(value) {
        w.open("<span class=\"slack-color-swatch\" style=\"--slack-color:#");
        w.attr(digits);
        w.markup("\"></span>");
    }
    w.text(value);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{render_blocks_json, rich_text};
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
}
