//! Slack's mrkdwn, as found in a message's `text`, attachment text and `mrkdwn` text objects.
//!
//! The rules, as Slack's clients apply them:
//! - Only `&amp;` `&lt;` `&gt;` are entities; Slack escapes those three characters so that
//!   `<...>` is always a control sequence (link, mention, date). Any other `&...;` is literal.
//! - `*bold*`, `_italic_`, `~strike~` open only at a word's start (after a space or opening
//!   punctuation, before a non-space) and close only at a word's end (after a non-space, before a
//!   space or punctuation), and never span lines, so `snake_case_name`, `foo*bar*baz`,
//!   `2 * 3 * 4` and `¯\_(ツ)_/¯` stay literal. Slack has no backslash escapes.
//! - `` `code` `` and ```` ```pre``` ```` keep their contents literal (no formatting, no emoji) but
//!   still resolve control sequences: Slack stores a link typed in code as `<http://...>` too.
//!   A fence may open and close mid-line; the newline right after a closing fence is absorbed.
//! - `&gt;` at the start of a line (spaces before it allowed) quotes the line; `&gt;&gt;&gt;`
//!   quotes the rest of the message; consecutive quoted lines are one blockquote.
//! - A newline is a line break. Bullets and numbers are plain text: Slack has no list syntax.
//!
//! Three passes, one module each: this one splits text into lines, quotes and ``` blocks;
//! [`inline`] finds code spans, emoji and `*_~` markers within a line and pairs the markers;
//! [`control`] renders what is between `<` and `>` (links, mentions, broadcasts, dates).

mod control;
mod inline;
#[cfg(test)]
mod tests;

use super::{Cx, Writer};
use control::write_literal;
use inline::{Tok, write_inline};

/// How much of mrkdwn applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Formatting {
    /// Everything: markers, code, quotes, control sequences, emoji.
    Full,
    /// Control sequences and emoji only, for legacy attachment fields not listed in `mrkdwn_in`
    /// (Slack still turns their `<links>` into links).
    LinksOnly,
}

/// Writes mrkdwn `text` (wire format) as HTML and plain text.
pub(crate) fn write_mrkdwn(w: &mut Writer, text: &str, cx: &Cx, formatting: Formatting) {
    let mut tokens = Vec::new();
    match formatting {
        Formatting::Full => write_blocks(w, text, cx, &mut tokens),
        Formatting::LinksOnly => {
            for (n, line) in text.split('\n').enumerate() {
                if n > 0 {
                    w.newline();
                }
                write_inline(w, line, cx, formatting, &mut tokens);
            }
        }
    }
}

/// The line-level pass: quotes and ``` blocks; everything between goes to [`write_inline`].
fn write_blocks<'t>(w: &mut Writer, text: &'t str, cx: &Cx, tokens: &mut Vec<Tok<'t>>) {
    let mut pos = 0;
    let mut quote_open = false;
    let mut quote_rest_of_message = false;
    let mut fences_possible = text.contains("```");
    let mut line_start = true;
    while pos < text.len() {
        if line_start {
            line_start = false;
            let (quoted, skip) = quote_prefix(&text[pos..], &mut quote_rest_of_message);
            pos += skip;
            if quoted != quote_open {
                if quoted {
                    w.open_block("<blockquote>");
                } else {
                    w.close_block("</blockquote>");
                }
                quote_open = quoted;
            }
        }
        let rest = &text[pos..];
        let line = rest.split('\n').next().unwrap_or(rest);
        if fences_possible && let Some(open) = line.find("```") {
            let content_start = pos + open + 3;
            match closing_fence(&text[content_start..]) {
                Some(content_len) => {
                    write_inline(w, &line[..open], cx, Formatting::Full, tokens);
                    write_pre(w, &text[content_start..content_start + content_len], cx);
                    pos = content_start + content_len + 3;
                    if text[pos..].starts_with('\n') {
                        pos += 1;
                        line_start = true;
                    }
                    continue;
                }
                // No later fence closes this one, so no later fence can open a block either.
                None => fences_possible = false,
            }
        }
        write_inline(w, line, cx, Formatting::Full, tokens);
        pos += line.len();
        if pos < text.len() {
            pos += 1; // the newline
            w.newline();
            line_start = true;
        }
    }
    if quote_open {
        w.close_block("</blockquote>");
    }
}

/// Whether a line is quoted, and how many bytes of quote marker to skip. Slack sends `&gt;`;
/// Block Kit text written by bots often has a raw `>`, which Slack also quotes.
fn quote_prefix(line: &str, rest_of_message: &mut bool) -> (bool, usize) {
    if *rest_of_message {
        return (true, 0);
    }
    let trimmed = line.trim_start_matches([' ', '\t']);
    let indent = line.len() - trimmed.len();
    for (marker, to_end) in [
        ("&gt;&gt;&gt;", true),
        (">>>", true),
        ("&gt;", false),
        (">", false),
    ] {
        if let Some(after) = trimmed.strip_prefix(marker) {
            let mut skip = indent + marker.len();
            if after.starts_with(' ') {
                skip += 1;
            }
            if to_end {
                *rest_of_message = true;
                // `>>>` alone on its line quotes from the next line on.
                if line[skip..].starts_with('\n') {
                    skip += 1;
                }
            }
            return (true, skip);
        }
    }
    (false, 0)
}

/// Length of a ``` block's content, given the text after its opening fence. The closing fence is
/// the last three of a run of backticks, so ```` ```a `b```` ```` keeps `` `b` ``.
fn closing_fence(after_open: &str) -> Option<usize> {
    let mut close = after_open.find("```")?;
    while after_open[close + 3..].starts_with('`') {
        close += 1;
    }
    Some(close)
}

fn write_pre(w: &mut Writer, content: &str, cx: &Cx) {
    // Slack drops the newline after an opening fence and before a closing one.
    let content = content.strip_prefix('\n').unwrap_or(content);
    let content = content.strip_suffix('\n').unwrap_or(content);
    w.open_pre();
    write_literal(w, content, cx);
    w.close_pre();
}
