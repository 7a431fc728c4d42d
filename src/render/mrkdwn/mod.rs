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

use super::escape::decode_wire;
use super::mention::{self, Label};
use super::shortcode::{Shortcode, shortcode_at};
use super::url::safe_url;
use super::{Cx, Writer, date};

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

/// Code contents: wire text with control sequences resolved and nothing else.
fn write_literal(w: &mut Writer, text: &str, cx: &Cx) {
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

/// One inline piece of a line.
#[derive(Debug)]
enum Tok<'t> {
    Text(&'t str),
    Code(&'t str),
    /// The inside of `<...>`.
    Control(&'t str),
    Emoji(Shortcode<'t>),
    Marker(Marker),
}

#[derive(Debug, Clone, Copy)]
struct Marker {
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
fn write_inline<'t>(
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

/// Index of the `>` ending a control sequence that starts at `lt`: the next `<` or `>` must be a
/// `>`, with something between. Slack escapes `<` and `>` elsewhere, so a raw `<` that does not
/// start one is just text.
fn control_end(s: &str, lt: usize) -> Option<usize> {
    let after = s.get(lt + 1..)?;
    let end = after.find(['<', '>'])?;
    (end > 0 && after.as_bytes()[end] == b'>').then_some(lt + 1 + end)
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

/// Renders the inside of `<...>`: a link, a mention, a broadcast, a date, or else literal text.
fn write_control(w: &mut Writer, inner: &str, cx: &Cx, formatting: Formatting) {
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
                    date::write_date(w, epoch, &format, link.as_deref(), &cx.options.timezone)
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
    let Some(href) = safe_url(&url) else {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::render_mrkdwn_str;

    fn html(text: &str) -> String {
        render_mrkdwn_str(text).html
    }

    fn text(text: &str) -> String {
        render_mrkdwn_str(text).text
    }

    #[test]
    fn bold_italic_strike_code() {
        assert_eq!(
            html("*bold* _italic_ ~strike~ `code`"),
            "<b>bold</b> <i>italic</i> <s>strike</s> <code>code</code>"
        );
        assert_eq!(html("*_both_*"), "<b><i>both</i></b>");
        assert_eq!(html("(*parens*)."), "(<b>parens</b>).");
        assert_eq!(
            text("*bold* _italic_ ~strike~ `code`"),
            "bold italic strike code"
        );
    }

    #[test]
    fn markers_do_not_open_or_close_inside_words() {
        assert_eq!(html("snake_case_name"), "snake_case_name");
        assert_eq!(html("foo*bar*baz"), "foo*bar*baz");
        assert_eq!(html("_this is italic_regular"), "_this is italic_regular");
        assert_eq!(html("~this~that"), "~this~that");
        assert_eq!(html("2 * 3 * 4"), "2 * 3 * 4");
        assert_eq!(html("this ~ is a ~ test"), "this ~ is a ~ test");
        assert_eq!(html("**"), "**");
        assert_eq!(html("a * b*"), "a * b*");
        assert_eq!(html("café*x*"), "café*x*");
    }

    #[test]
    fn markers_do_not_span_lines() {
        assert_eq!(
            html("*Multiple lines\nof bold text.*"),
            "*Multiple lines<br>of bold text.*"
        );
    }

    #[test]
    fn unbalanced_and_crossed_markers_stay_nested() {
        assert_eq!(html("*a _b* c_"), "<b>a _b</b> c_");
        assert_eq!(html("*a *b* c*"), "<b>a <b>b</b> c</b>");
        assert_eq!(html("_*_*"), "<i>*</i>*");
        assert_eq!(html("*unclosed _also"), "*unclosed _also");
    }

    #[test]
    fn code_is_literal_but_resolves_control_sequences() {
        assert_eq!(
            html("`*not bold* :tada: &lt;x&gt;`"),
            "<code>*not bold* :tada: &lt;x&gt;</code>"
        );
        assert_eq!(
            html("`see <https://example.com|*docs*>`"),
            "<code>see <a href=\"https://example.com\" rel=\"noopener nofollow ugc\">*docs*</a></code>"
        );
        assert_eq!(
            html("`<@U1>`"),
            "<code><span class=\"slack-mention\">@Alice Smith</span></code>"
        );
        assert_eq!(html("a ` ` b"), "a ` ` b");
        assert_eq!(html("``"), "``");
        assert_eq!(html("*`+0.79%`*"), "<b><code>+0.79%</code></b>");
    }

    #[test]
    fn pre_blocks() {
        assert_eq!(
            html("```multiple\n*lines* of\ncode```"),
            "<pre>multiple\n*lines* of\ncode</pre>"
        );
        assert_eq!(
            html("text\n```code\nblock```\nmore text"),
            "text<pre>code\nblock</pre>more text"
        );
        assert_eq!(html("```\nfenced\n```"), "<pre>fenced</pre>");
        assert_eq!(
            html("```codeblock `backtick````"),
            "<pre>codeblock `backtick`</pre>"
        );
        // After a block the line starts anew, so its leading space is kept visible.
        assert_eq!(html("a ```b``` c"), "a <pre>b</pre>\u{a0}c");
        assert_eq!(html("```<>```"), "<pre>&lt;&gt;</pre>");
        assert_eq!(
            html("```&lt;b&gt; <https://x.example|x>```"),
            "<pre>&lt;b&gt; <a href=\"https://x.example\" rel=\"noopener nofollow ugc\">x</a></pre>"
        );
        assert_eq!(html("a\n\n```b```\n\nc"), "a<br><br><pre>b</pre><br>c");
        assert_eq!(text("x\n```a\n  b```\ny"), "x\na\n  b\ny");
    }

    #[test]
    fn unclosed_fence_is_text() {
        assert_eq!(
            html("```not closed\n*bold*"),
            "```not closed<br><b>bold</b>"
        );
    }

    #[test]
    fn quotes() {
        assert_eq!(
            html("&gt; Someone said this."),
            "<blockquote>Someone said this.</blockquote>"
        );
        assert_eq!(
            html("&gt; one\n&gt; two"),
            "<blockquote>one<br>two</blockquote>"
        );
        assert_eq!(
            html("hey\n&gt; text\nhere"),
            "hey<blockquote>text</blockquote>here"
        );
        assert_eq!(
            html("&gt; text\n&gt; \n&gt; here"),
            "<blockquote>text<br><br>here</blockquote>"
        );
        assert_eq!(html("&gt; a\n\nb"), "<blockquote>a</blockquote><br>b");
        assert_eq!(
            html("&gt;*bold quote*"),
            "<blockquote><b>bold quote</b></blockquote>"
        );
        assert_eq!(html("a &gt; b"), "a &gt; b");
        assert_eq!(text("&gt; quoted &amp; more"), "quoted & more");
    }

    #[test]
    fn rest_of_message_quote() {
        assert_eq!(
            html("&gt;&gt;&gt; Someone else\nsaid this."),
            "<blockquote>Someone else<br>said this.</blockquote>"
        );
        assert_eq!(
            html("before\n&gt;&gt;&gt;\nall\nof this"),
            "before<blockquote>all<br>of this</blockquote>"
        );
        assert_eq!(
            html("&gt; A couple of\n&gt;&gt;&gt; Blockquotes until\nthe end of the message."),
            "<blockquote>A couple of<br>Blockquotes until<br>the end of the message.</blockquote>"
        );
    }

    #[test]
    fn raw_quote_markers_from_block_kit_text() {
        assert_eq!(html("> quoted\nnot"), "<blockquote>quoted</blockquote>not");
        assert_eq!(
            html(">>> all\nquoted"),
            "<blockquote>all<br>quoted</blockquote>"
        );
    }

    #[test]
    fn pre_inside_quote() {
        assert_eq!(
            html("&gt; ```code\nmore```\nafter"),
            "<blockquote><pre>code\nmore</pre></blockquote>after"
        );
    }

    #[test]
    fn newlines_and_bullets() {
        assert_eq!(html("new\nline"), "new<br>line");
        assert_eq!(
            html("• item 1\n• item 2\n- dash\n1. one"),
            "• item 1<br>• item 2<br>- dash<br>1. one"
        );
        assert_eq!(html("trailing\n\n"), "trailing");
        assert_eq!(text("a\nb"), "a\nb");
    }

    #[test]
    fn links() {
        assert_eq!(
            html("<https://example.com>"),
            "<a href=\"https://example.com\" rel=\"noopener nofollow ugc\">https://example.com</a>"
        );
        assert_eq!(
            html("<https://example.org?a=1&amp;b=2|this is *awesome*>"),
            "<a href=\"https://example.org?a=1&amp;b=2\" rel=\"noopener nofollow ugc\">this is <b>awesome</b></a>"
        );
        assert_eq!(
            html("<mailto:desk@example.com|Email the desk>"),
            "<a href=\"mailto:desk@example.com\" rel=\"noopener nofollow ugc\">Email the desk</a>"
        );
        assert_eq!(
            html("<HTTPS://EXAMPLE.COM|x>"),
            "<a href=\"https://EXAMPLE.COM\" rel=\"noopener nofollow ugc\">x</a>"
        );
        assert_eq!(
            text("see <https://example.com|the report> and <https://example.com/b>"),
            "see the report and https://example.com/b"
        );
        assert_eq!(
            html("Hey _beep <https://example.org|hmm_yeah>"),
            "Hey _beep <a href=\"https://example.org\" rel=\"noopener nofollow ugc\">hmm_yeah</a>"
        );
    }

    #[test]
    fn unsafe_links_become_text() {
        assert_eq!(html("<javascript:alert(1)|x>"), "x");
        assert_eq!(html("<javascript:alert(1)>"), "javascript:alert(1)");
        assert_eq!(html("<data:text/html,&lt;script&gt;|y>"), "y");
        assert_eq!(
            html("<java\tscript:alert(1)|z>"),
            "&lt;java\u{2003}script:alert(1)|z&gt;"
        );
        assert_eq!(html("<//evil.example|rel>"), "&lt;//evil.example|rel&gt;");
        assert_eq!(html("<http://a\" onmouseover=\"x|y>"), "y");
        assert_eq!(
            html("<http://a.example/\"onmouseover=\"x|y>"),
            "<a href=\"http://a.example/&quot;onmouseover=&quot;x\" rel=\"noopener nofollow ugc\">y</a>"
        );
    }

    #[test]
    fn script_words_inside_safe_urls_are_fine() {
        // Found by fuzzing (the checker was too strict): the scheme is what matters.
        assert_eq!(
            html("<https://github.com/a-vbscript:/pull/3>"),
            "<a href=\"https://github.com/a-vbscript:/pull/3\" rel=\"noopener nofollow ugc\">https://github.com/a-vbscript:/pull/3</a>"
        );
    }

    #[test]
    fn user_mentions() {
        assert_eq!(
            html("<@U1>"),
            "<span class=\"slack-mention\">@Alice Smith</span>"
        );
        assert_eq!(text("<@U1|old name>"), "@Alice Smith");
        assert_eq!(text("hey <@U404|user>!"), "hey @user!");
        assert_eq!(text("<@W404>"), "@W404");
        assert_eq!(
            html("<@U2>"),
            "<span class=\"slack-mention\">@&lt;b&gt;Bob&lt;/b&gt; &amp; &quot;co&quot;</span>"
        );
        assert_eq!(text("<@U404|@already>"), "@already");
    }

    #[test]
    fn channel_mentions() {
        assert_eq!(
            html("<#C1>"),
            "<a class=\"slack-channel\" href=\"/general/\">#general</a>"
        );
        assert_eq!(
            html("<#C1|old-name>"),
            "<a class=\"slack-channel\" href=\"/general/\">#general</a>"
        );
        assert_eq!(
            html("<#C2>"),
            "<span class=\"slack-channel\">#private-desk</span>"
        );
        assert_eq!(html("<#C3>"), "<span class=\"slack-channel\">#evil</span>");
        assert_eq!(text("hey <#C404|chan>!"), "hey #chan!");
        assert_eq!(text("<#C404>"), "#C404");
    }

    #[test]
    fn usergroups_and_broadcasts() {
        assert_eq!(text("<!subteam^S404|@handle>"), "@handle");
        assert_eq!(text("<!subteam^S404|usergroup>"), "@usergroup");
        assert_eq!(text("<!subteam^S1|@old>"), "@desk");
        assert_eq!(text("<!subteam^S404>"), "@S404");
        assert_eq!(
            html("<!here>"),
            "<span class=\"slack-mention slack-broadcast\">@here</span>"
        );
        assert_eq!(
            text("<!here|@here> <!channel> <!everyone>"),
            "@here @channel @everyone"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            html(
                "<!date^1392734382^Posted {date_num} {time_secs}|Posted 2014-02-18 6:39:42 AM PST>"
            ),
            "<time datetime=\"2014-02-18T14:39:42Z\">Posted 2014-02-18 6:39:42 AM</time>"
        );
        assert_eq!(
            html("<!date^1392734382^{date_short}^https://example.com/|Feb 18>"),
            "<a href=\"https://example.com/\" rel=\"noopener nofollow ugc\"><time datetime=\"2014-02-18T14:39:42Z\">Feb 18, 2014</time></a>"
        );
        assert_eq!(
            text("<!date^1392734382^{date_pretty} at {time}|x>"),
            "February 18th, 2014 at 6:39 AM"
        );
        assert_eq!(
            text("<!date^1392734382^{ago}|x>"),
            "Feb 18, 2014 at 6:39 AM"
        );
        assert_eq!(
            text("<!date^not-a-number^{date}|the fallback &amp; more>"),
            "the fallback & more"
        );
        assert_eq!(text("<!date^1392734382^{nonsense}|fb>"), "fb");
        assert_eq!(text("<!date^99999999999999999^{date}|fb>"), "fb");
        assert_eq!(text("<!date^1392734382>"), "<!date^1392734382>");
    }

    #[test]
    fn other_control_sequences_are_text() {
        assert_eq!(html("<b>test</b>"), "&lt;b&gt;test&lt;/b&gt;");
        assert_eq!(html("<!foo|label>"), "label");
        assert_eq!(html("<!foo>"), "&lt;!foo&gt;");
        assert_eq!(html("<>"), "&lt;&gt;");
        assert_eq!(html("a < b > c"), "a &lt; b &gt; c");
        assert_eq!(html("a & b < c"), "a &amp; b &lt; c");
    }

    #[test]
    fn entities() {
        assert_eq!(
            html("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(text("&lt;script&gt; &amp;amp;"), "<script> &amp;");
        assert_eq!(
            html("&quot;x&quot; &nbsp; &#39; &copy;"),
            "&amp;quot;x&amp;quot; &amp;nbsp; &amp;#39; &amp;copy;"
        );
        assert_eq!(text("&quot;x&quot;"), "&quot;x&quot;");
        assert_eq!(
            html("\"quotes\" 'single'"),
            "&quot;quotes&quot; &#39;single&#39;"
        );
    }

    #[test]
    fn emoji() {
        assert_eq!(
            html("blah :fox_face: :+1: :flag-us: blah"),
            "blah \u{1F98A} \u{1F44D} \u{1F1FA}\u{1F1F8} blah"
        );
        assert_eq!(html(":point_up::skin-tone-3:"), "\u{261D}\u{1F3FC}");
        assert_eq!(html(":tada::skin-tone-9:"), "\u{1F389}:skin-tone-9:");
        assert_eq!(html("blah :asdf: blah"), "blah :asdf: blah");
        assert_eq!(html("12:30:45"), "12:30:45");
        assert_eq!(
            html(":partyparrot:"),
            "<img class=\"emoji\" alt=\":partyparrot:\" src=\"https://emoji.example/parrot.gif\">"
        );
        assert_eq!(text(":partyparrot: :smile:"), ":partyparrot: \u{1F604}");
        assert_eq!(html(":evil:"), ":evil:");
        assert_eq!(html(":white_check_mark:_x_"), "\u{2705}<i>x</i>");
    }

    #[test]
    fn shrug_keeps_its_arms_and_backslashes_stay() {
        assert_eq!(html("¯\\_(ツ)_/¯"), "¯\\_(ツ)_/¯");
        assert_eq!(
            html("The \\*unbolded\\* text is not *bold*."),
            "The \\*unbolded\\* text is not <b>bold</b>."
        );
        assert_eq!(
            html("f(*x*) [_y_] {~z~}"),
            "f(<b>x</b>) [<i>y</i>] {<s>z</s>}"
        );
        assert_eq!(html("“*quoted*” — _dash_"), "“<b>quoted</b>” — <i>dash</i>");
    }

    #[test]
    fn hostile_inputs_stay_safe() {
        let long_markers = "*a _b ~c `d ".repeat(5_000);
        let long_controls = "<<<<>>>><@U1|<x>>".repeat(2_000);
        let long_emoji = ":a:".repeat(10_000) + &":".repeat(10_000);
        let nested_quotes = "&gt;".repeat(10_000);
        let fences = "```".repeat(3_001);
        for input in [
            long_markers.as_str(),
            long_controls.as_str(),
            long_emoji.as_str(),
            nested_quotes.as_str(),
            fences.as_str(),
            "<http://a\" onmouseover=\"x|y>",
            "<https://x.example|<script>alert(1)</script>>",
            "`unterminated <https://x.example|",
            "\u{0}\u{1}\u{7f}\u{202e}",
            "*\n*\n_\n_",
            "&",
            "&g",
            "&gt",
            "<",
            ">",
            "`",
            ":",
            "<@>",
            "<#>",
            "<!>",
            "<|>",
            "<!date^^^^|>",
            "<!subteam^>",
        ] {
            let out = render_mrkdwn_str(input);
            assert!(!out.html.to_ascii_lowercase().contains("<script"));
        }
    }

    #[test]
    fn huge_input_is_linear() {
        let big =
            "word *bold* _it_ <https://example.com|link> :tada: &amp; `code`\n".repeat(20_000);
        let started = std::time::Instant::now();
        let out = render_mrkdwn_str(&big);
        assert!(out.html.len() > big.len());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}
