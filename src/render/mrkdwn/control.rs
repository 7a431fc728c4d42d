//! Slack's control sequences, the `<...>` of wire text: links (`<url|label>`), mentions
//! (`<@U1>`, `<#C1>`, `<!subteam^S1>`), broadcasts (`<!here>`) and dates (`<!date^...>`).
//! Slack escapes `<` and `>` everywhere else, so these are the only markup it sends; anything
//! not recognized is shown as typed.

use super::inline::write_inline;
use super::{Cx, Formatting, Writer};
use crate::render::date;
use crate::render::escape::decode_wire;
use crate::render::mention::{self, Label};
use crate::render::url::public_link;

/// Index of the `>` ending a control sequence that starts at `lt`: the next `<` or `>` must be a
/// `>`, with something between. Slack escapes `<` and `>` elsewhere, so a raw `<` that does not
/// start one is just text.
pub(super) fn control_end(s: &str, lt: usize) -> Option<usize> {
    let after = s.get(lt + 1..)?;
    let end = after.find(['<', '>'])?;
    (end > 0 && after.as_bytes()[end] == b'>').then_some(lt + 1 + end)
}

/// Code contents: wire text with control sequences resolved and nothing else.
pub(super) fn write_literal(w: &mut Writer, text: &str, cx: &Cx) {
    let mut rest = text;
    let mut searched = 0;
    while let Some(found) = rest[searched..].find('<') {
        let lt = searched + found;
        match control_end(rest, lt) {
            Some(gt) => {
                w.wire_text(&rest[..lt]);
                write_control(w, &rest[lt + 1..gt], cx, Formatting::LinksOnly);
                rest = &rest[gt + 1..];
                searched = 0;
            }
            None => searched = lt + 1,
        }
    }
    w.wire_text(rest);
}

/// Renders the inside of `<...>`: a link, a mention, a broadcast, a date, or else literal text.
pub(super) fn write_control(w: &mut Writer, inner: &str, cx: &Cx, formatting: Formatting) {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, (!label.is_empty()).then_some(label)),
        None => (inner, None),
    };
    let wire_label = label.map(Label::Wire);
    if let Some(id) = target.strip_prefix('@') {
        mention::write_user(w, cx, id, wire_label);
    } else if let Some(id) = target.strip_prefix('#') {
        mention::write_channel(w, cx, id, wire_label);
    } else if let Some(command) = target.strip_prefix('!') {
        write_special(w, inner, command, label, cx);
    } else if has_scheme(target) {
        write_link(w, target, label, cx, formatting);
    } else {
        write_as_literal(w, inner);
    }
}

/// `<!here>`, `<!subteam^ID|@handle>`, `<!date^...>`; others show their label, or themselves.
fn write_special(w: &mut Writer, inner: &str, command: &str, label: Option<&str>, cx: &Cx) {
    let mut parts = command.splitn(3, '^');
    let name = parts.next().unwrap_or_default();
    if let Some(broadcast) = mention::broadcast_name(name) {
        mention::write_broadcast(w, broadcast);
        return;
    }
    match name {
        "subteam" => {
            let id = parts.next().unwrap_or_default();
            mention::write_usergroup(w, cx, id, label.map(Label::Wire));
        }
        "date" => {
            let epoch = parts.next().and_then(|e| e.parse::<i64>().ok());
            let rest = parts.next();
            // `format^link`: a link is optional and the format has no `^` of its own in practice.
            let (format, link) = match rest.and_then(|r| r.rsplit_once('^')) {
                Some((format, link)) if has_scheme(link) => (Some(format), Some(link)),
                _ => (rest, None),
            };
            let link = link.map(decode_wire);
            let written = match (epoch, format) {
                (Some(epoch), Some(format)) => {
                    let format = decode_wire(format);
                    date::write_date(
                        w,
                        epoch,
                        &format,
                        link.as_deref(),
                        &cx.options.timezone,
                        cx.options.language,
                    )
                }
                _ => false,
            };
            if !written {
                match label {
                    Some(fallback) => w.wire_text(fallback),
                    None => write_as_literal(w, inner),
                }
            }
        }
        _ => match label {
            Some(label) => w.wire_text(label),
            None => write_as_literal(w, inner),
        },
    }
}

fn write_link(w: &mut Writer, target: &str, label: Option<&str>, cx: &Cx, formatting: Formatting) {
    let url = decode_wire(target);
    let Some(href) = public_link(&url) else {
        // Not a link we may make: show what the author meant readers to see, as text.
        w.wire_text(label.unwrap_or(target));
        return;
    };
    w.open("<a href=\"");
    w.attr(&href);
    w.markup("\" rel=\"noopener nofollow ugc\">");
    match label {
        // A label cannot hold `<` or `>`, so it holds no control sequence and this is not
        // recursive beyond one level.
        Some(label) => {
            let mut tokens = Vec::new();
            write_inline(w, label, cx, formatting, &mut tokens);
        }
        None => w.wire_text(target),
    }
    w.close("</a>");
}

/// `scheme:` at the start, per RFC 3986: a letter, then letters, digits, `+`, `-`, `.`.
fn has_scheme(target: &str) -> bool {
    let Some((scheme, _)) = target.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn write_as_literal(w: &mut Writer, inner: &str) {
    w.text("<");
    w.wire_text(inner);
    w.text(">");
}
