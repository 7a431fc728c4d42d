//! One line of mrkdwn: code spans, emoji, control sequences and `*bold*` `_italic_` `~strike~`
//! markers, found in one scan and then paired so the output is always properly nested.

use super::control::{control_end, write_control, write_literal};
use super::{Cx, Formatting, Writer};
use crate::render::shortcode::{Shortcode, shortcode_at};

/// One inline piece of a line.
#[derive(Debug)]
pub(super) enum Tok<'t> {
    Text(&'t str),
    Code(&'t str),
    /// The inside of `<...>`.
    Control(&'t str),
    Emoji(Shortcode<'t>),
    Marker(Marker),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Marker {
    ch: u8,
    can_open: bool,
    can_close: bool,
    role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Literal,
    Open,
    Close,
}

const MARKERS: [u8; 3] = [b'*', b'_', b'~'];

fn marker_index(ch: u8) -> usize {
    MARKERS.iter().position(|&m| m == ch).unwrap_or(0)
}

fn marker_tags(ch: u8) -> (&'static str, &'static str) {
    match ch {
        b'*' => ("<b>", "</b>"),
        b'_' => ("<i>", "</i>"),
        _ => ("<s>", "</s>"),
    }
}

fn is_special(b: u8, formatting: Formatting) -> bool {
    match b {
        b'<' | b':' => true,
        b'`' | b'*' | b'_' | b'~' => formatting == Formatting::Full,
        _ => false,
    }
}

/// Writes one line (no newlines, no fences) with inline formatting.
pub(super) fn write_inline<'t>(
    w: &mut Writer,
    line: &'t str,
    cx: &Cx,
    formatting: Formatting,
    tokens: &mut Vec<Tok<'t>>,
) {
    if !line.bytes().any(|b| is_special(b, formatting)) {
        w.wire_text(line);
        return;
    }
    tokens.clear();
    tokenize(line, cx, formatting, tokens);
    match_markers(tokens);
    for tok in tokens.iter() {
        match *tok {
            Tok::Text(s) => w.wire_text(s),
            Tok::Code(s) => {
                w.open("<code>");
                write_literal(w, s, cx);
                w.close("</code>");
            }
            Tok::Control(s) => write_control(w, s, cx, formatting),
            Tok::Emoji(shortcode) => shortcode.write(w, cx),
            Tok::Marker(m) => match m.role {
                Role::Open => w.open(marker_tags(m.ch).0),
                Role::Close => w.close(marker_tags(m.ch).1),
                Role::Literal => w.wire_text(if m.ch == b'*' {
                    "*"
                } else if m.ch == b'_' {
                    "_"
                } else {
                    "~"
                }),
            },
        }
    }
}

fn tokenize<'t>(line: &'t str, cx: &Cx, formatting: Formatting, tokens: &mut Vec<Tok<'t>>) {
    let bytes = line.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !is_special(b, formatting) {
            i += 1;
            continue;
        }
        let found = match b {
            b'<' => control_end(line, i).map(|gt| (Tok::Control(&line[i + 1..gt]), gt + 1)),
            b'`' => code_end(line, i).map(|end| (Tok::Code(&line[i + 1..end]), end + 1)),
            b':' => shortcode_at(line, i, cx).map(|(s, end)| (Tok::Emoji(s), end)),
            _ => marker_at(line, i).map(|m| (Tok::Marker(m), i + 1)),
        };
        match found {
            Some((tok, next)) => {
                if text_start < i {
                    tokens.push(Tok::Text(&line[text_start..i]));
                }
                tokens.push(tok);
                i = next;
                text_start = next;
            }
            None => i += 1,
        }
    }
    if text_start < line.len() {
        tokens.push(Tok::Text(&line[text_start..]));
    }
}

/// Index of the backtick closing an inline code span opened at `open`. Control sequences are
/// skipped whole, so a backtick in a link label cannot close the span.
fn code_end(line: &str, open: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                let content = &line[open + 1..i];
                return (!content.trim().is_empty()).then_some(i);
            }
            b'<' => i = control_end(line, i).map_or(i + 1, |gt| gt + 1),
            _ => i += 1,
        }
    }
    None
}

/// Whether a marker may open after `c`: at a word's start, which is after a space or opening
/// punctuation. Not after a letter or digit (`snake_case`), a backslash (Slack has no escapes,
/// and `\*x\*` stays literal) or closing punctuation (so `¯\_(ツ)_/¯` keeps its arms).
fn opens_after(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_whitespace()
            || (c.is_ascii_punctuation() && !matches!(c, '\\' | ')' | ']' | '}'))
    } else {
        c.is_whitespace()
            || matches!(
                c,
                '“' | '‘' | '«' | '„' | '‚' | '—' | '–' | '¿' | '¡' | '（'
            )
    }
}

/// Whether a marker may close before `c`: at a word's end.
fn closes_before(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_whitespace()
            || (c.is_ascii_punctuation() && !matches!(c, '\\' | '(' | '[' | '{'))
    } else {
        !c.is_alphanumeric()
    }
}

fn marker_at(line: &str, i: usize) -> Option<Marker> {
    let before = line[..i].chars().next_back();
    let after = line[i + 1..].chars().next();
    let can_open = after.is_some_and(|c| !c.is_whitespace()) && before.is_none_or(opens_after);
    let can_close = before.is_some_and(|c| !c.is_whitespace()) && after.is_none_or(closes_before);
    (can_open || can_close).then_some(Marker {
        ch: line.as_bytes()[i],
        can_open,
        can_close,
        role: Role::Literal,
    })
}

/// Pairs markers: a closer takes the nearest open marker of its kind, and markers opened after
/// that one and still unclosed become literal, which keeps the output properly nested. Each marker
/// is pushed and popped at most once, so this is linear however hostile the line.
fn match_markers(tokens: &mut [Tok]) {
    let mut stack: Vec<usize> = Vec::new();
    let mut open_counts = [0usize; 3];
    for i in 0..tokens.len() {
        let Tok::Marker(m) = tokens[i] else { continue };
        let kind = marker_index(m.ch);
        if m.can_close && open_counts[kind] > 0 {
            // The nearest opener of this kind must not be right before us: `**` is not empty bold.
            let nearest = stack
                .iter()
                .rev()
                .find(|&&j| matches!(tokens[j], Tok::Marker(o) if o.ch == m.ch))
                .copied();
            if let Some(opener) = nearest.filter(|&j| j + 1 < i) {
                while let Some(j) = stack.pop() {
                    if let Tok::Marker(o) = &mut tokens[j] {
                        open_counts[marker_index(o.ch)] -= 1;
                        if j == opener {
                            o.role = Role::Open;
                            break;
                        }
                        o.role = Role::Literal;
                    }
                }
                if let Tok::Marker(c) = &mut tokens[i] {
                    c.role = Role::Close;
                }
                continue;
            }
        }
        if m.can_open {
            stack.push(i);
            open_counts[kind] += 1;
        }
    }
}
