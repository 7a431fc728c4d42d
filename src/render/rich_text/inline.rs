//! The inline elements of rich_text (`text` with its `style`, `link`, `user`, `channel`,
//! `emoji`, `date`, `color`, ...), each as HTML and plain text. Styles stay open across
//! elements that share them, so a bold run sent as several elements is one `<b>`.

use serde_json::Value;

use crate::render::color::hex_digits;
use crate::render::json::{bool_field, i64_field, nonempty_str, str_field, type_of};
use crate::render::shortcode::write_custom_emoji;
use crate::render::url::public_link;
use crate::render::{Cx, Writer, date, emoji, mention};

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
pub(super) fn write_inline(w: &mut Writer, elements: &[Value], cx: &Cx, pre: bool) {
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
                date::write_date(
                    w,
                    epoch,
                    format,
                    link,
                    &cx.options.timezone,
                    cx.options.language,
                )
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
                Some(url) if public_link(url).is_some() => write_link(w, Some(url), text),
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
    match url.and_then(public_link) {
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
