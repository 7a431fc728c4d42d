//! `:name:` emoji shortcodes in text: standard emoji from the table, workspace (custom) emoji
//! through [`Lookup::custom_emoji`](super::Lookup::custom_emoji) as images. A name neither knows
//! stays literal text, as Slack shows it.

use super::url::safe_site_url;
use super::{Cx, Writer, emoji};

/// A shortcode that names an emoji.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shortcode<'t> {
    Unicode(&'static str),
    /// A workspace emoji the lookup has an image for (name without colons).
    Custom(&'t str),
}

impl Shortcode<'_> {
    pub(crate) fn write(self, w: &mut Writer, cx: &Cx) {
        match self {
            Shortcode::Unicode(glyph) => w.text(glyph),
            Shortcode::Custom(name) => write_custom_emoji(w, cx, name),
        }
    }
}

/// Longest emoji name considered; real names are far shorter.
const MAX_NAME: usize = 100;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'+' | b'\'')
}

/// The emoji written at `colon` (`:name:`, `:name::skin-tone-N:`, up to two tones), and the
/// index just past it.
pub(crate) fn shortcode_at<'t>(
    text: &'t str,
    colon: usize,
    cx: &Cx,
) -> Option<(Shortcode<'t>, usize)> {
    let bytes = text.as_bytes();
    let name_start = colon + 1;
    let name_len = bytes
        .get(name_start..)?
        .iter()
        .take(MAX_NAME + 1)
        .take_while(|&&b| is_name_byte(b))
        .count();
    let name_end = name_start + name_len;
    if name_len == 0 || name_len > MAX_NAME || bytes.get(name_end) != Some(&b':') {
        return None;
    }
    let name = &text[name_start..name_end];
    let mut end = name_end + 1;
    for _ in 0..2 {
        let tail = &bytes[end..];
        if tail.len() >= 13
            && tail.starts_with(b":skin-tone-")
            && tail[11].is_ascii_digit()
            && tail[12] == b':'
        {
            end += 13;
        } else {
            break;
        }
    }
    if end > name_end + 1
        && let Some(glyph) = emoji::lookup(&text[name_start..end - 1])
    {
        return Some((Shortcode::Unicode(glyph), end));
    }
    if let Some(glyph) = emoji::lookup(name) {
        return Some((Shortcode::Unicode(glyph), name_end + 1));
    }
    cx.lookup
        .custom_emoji(name)
        .and_then(safe_site_url)
        .map(|_| (Shortcode::Custom(name), name_end + 1))
}

/// A custom emoji as an image with its `:name:` as alt text (and as its plain text); the
/// literal `:name:` when the lookup has no safe image for it.
pub(crate) fn write_custom_emoji(w: &mut Writer, cx: &Cx, name: &str) {
    match cx.lookup.custom_emoji(name).and_then(safe_site_url) {
        Some(src) => {
            w.open_object("<img class=\"emoji\" alt=\":");
            w.attr(name);
            w.markup(":\" src=\"");
            w.attr(&src);
            w.markup("\">");
            w.text_only(":");
            w.text_only(name);
            w.text_only(":");
        }
        None => {
            w.text(":");
            w.text(name);
            w.text(":");
        }
    }
}

/// Writes raw text with shortcodes turned into emoji (plain_text objects with `emoji: true`).
pub(crate) fn write_text_with_emoji(w: &mut Writer, text: &str, cx: &Cx) {
    let mut written = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find(':') {
        let colon = search + found;
        match shortcode_at(text, colon, cx) {
            Some((shortcode, end)) => {
                w.text(&text[written..colon]);
                shortcode.write(w, cx);
                written = end;
                search = end;
            }
            None => search = colon + 1,
        }
    }
    w.text(&text[written..]);
}
