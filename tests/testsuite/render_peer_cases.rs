//! The 131 peer cases in `tests/fixtures/mrkdwn-peer-cases.json` (from slackdown, slack-markdown
//! and slack-blocks-render; see `tests/fixtures/README.md`), compared by meaning rather than bytes.
//!
//! "Meaning" here: both HTML fragments are reduced to what a reader sees. Markup that differs only
//! in spelling is unified (`<b>`/`<strong>`, `<i>`/`<em>`, `<s>`/`<del>`/`<strike>`,
//! `<br>`/`<br />`); classes and attributes other than `href` and `src` are dropped, as are
//! wrappers with no visual meaning (`span`, `time`); whitespace collapses as browsers collapse it;
//! a `<br>` that ends a block adds no line; `<p>`/`<div>` boundaries are line boundaries; and the
//! nesting order of inline formats does not matter (text is compared with its set of formats).
//! Structure that readers do see (blockquote, pre, lists, headings, rules, links, images) is kept.
//!
//! Input conventions: slackdown's inputs are Slack wire format and are rendered as they are.
//! slack-markdown's (and slack-blocks-render's three raw-text mrkdwn cases) are raw text that the
//! peer escapes itself, so they are first put into wire format the way a Slack client would:
//! `&`, `<` and `>` escaped, except the `<...>` control sequences (links, mentions) the peer
//! parses. slack-blocks-render's `blocks` cases render as a message's `blocks`. Per-case renderer
//! options that name users, channels, user groups or custom emoji become the `Lookup`.
//!
//! Where we deliberately differ, the case is in [`DEVIATIONS`] with the reason and the exact HTML
//! we produce instead (asserted, and checked safe like every other output).

use std::collections::HashMap;

use scrollback::render::html_check::check_html;
use scrollback::render::{
    ChannelRef, Lookup, RenderOptions, Rendered, render_message, render_mrkdwn,
};
use serde_json::{Value, json};

const CASES: &str = include_str!("../fixtures/mrkdwn-peer-cases.json");
const CASE_COUNT: usize = 131;

/// Cases we render differently on purpose: (test name with `#n`, its n-th occurrence since
/// names repeat; why; the HTML we produce instead). Every one is also checked safe.
#[rustfmt::skip]
const DEVIATIONS: &[(&str, &str, &str)] = &[
    ("test_bullet_list#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "• item 1<br>• item 2"),
    ("test_hyphen_list#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "- item 1<br>- item 2"),
    ("test_numbered_list#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "1. item 1<br>24. item 2"),
    ("test_multiple_same_lists#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "- item 1<br>- item 2<br><br>- item 3<br>- item 4"),
    ("test_multiple_diff_lists#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "These are <b>two</b> lists.<br>- item 1<br>- item 2<br>1. item 3<br>2. item 4<br>Right?"),
    ("test_bold_in_list#1",
     "mrkdwn has no list syntax: Slack shows typed bullets and numbers as text (project rule: bullets stay text)",
     "- <b>item 1</b><br>- item 2"),
    ("test_multiple_blockquotes#1",
     "consecutive quoted lines are one blockquote, as Slack draws one quote bar for them (project rule)",
     "<blockquote>A couple of<br>Blockquotes until<br>the end of the message.</blockquote>"),
    ("Should convert ~text~ to <del>text</del>#1",
     "a marker does not close inside a word (project rule: foo*bar*baz stays literal); the peer closes before `that`",
     "~this~that"),
    ("Should linkify URLs#1",
     "Slack wraps every link it makes in <...>; a bare URL in wire text is one Slack chose not to link",
     "https://example.org"),
    ("Should properly escape URLs#1",
     "Slack wraps every link it makes in <...>; a bare URL in wire text is one Slack chose not to link",
     "https://example.org?a&amp;b"),
    ("Should fence code blocks#1",
     "Slack absorbs the newline right after a closing fence; the peer turns it into an extra blank line",
     "text<pre>code\nblock</pre>more text"),
    ("Should emojify things#1",
     ":fox: is not one of Slack's emoji names (emoji-data calls it fox_face, which case #2 renders)",
     "blah :fox: blah"),
    ("Should emojify things#3",
     ":fox: is not one of Slack's emoji names (emoji-data calls it fox_face, which case #2 renders)",
     "blah :fox: blah"),
    ("Should do custom user parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-mention\">@user</span>!"),
    ("Should do custom channel parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-channel\">#chan</span>!"),
    ("Should do custom user group parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-mention\">@usergroup</span>!"),
    ("Should do custom at here parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-mention slack-broadcast\">@here</span>!"),
    ("Should do custom at channel parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-mention slack-broadcast\">@channel</span>!"),
    ("Should do custom at everyone parsing#1",
     "peer option slackCallbacks runs a custom JavaScript function; there is no such hook here (names come from Lookup)",
     "hey <span class=\"slack-mention slack-broadcast\">@everyone</span>!"),
    ("Should parse user group mentions#1",
     "a user group renders as @handle, as Slack shows it (project rule); the peer writes ^usergroup",
     "hey <span class=\"slack-mention\">@usergroup</span>!"),
    ("Should not escape HTML, if the flag is set#1",
     "UNSAFE peer option escapeHTML:false; raw HTML from a message never reaches the page",
     "&lt;b&gt;test&lt;/b&gt;"),
    ("html::tests::context::test_with_plain_text#1",
     "Slack shows context elements apart; we separate them with a space where the peer runs them together (TextText2)",
     "<div class=\"slack-context\"><span class=\"slack-context-text\">Text</span> <span class=\"slack-context-text\">Text2</span></div>"),
    ("html::tests::section::test_with_fields#1",
     "Slack lays section fields out as separate cells; the peer runs them together into one word",
     "<div class=\"slack-section\"><div class=\"slack-fields\"><div class=\"slack-field\">Text11</div><div class=\"slack-field\">Text12</div></div></div>"),
    ("html::tests::test_with_video#1",
     "the peer italicizes video titles as its own styling; we leave that to the theme (.slack-video-title)",
     "<div class=\"slack-video\"><div class=\"slack-video-title\"><a href=\"https://example.com/video\" rel=\"noopener nofollow ugc\">Video title</a></div><div class=\"slack-video-description\">Video description</div><img class=\"slack-video-thumbnail\" src=\"https://example.com/thumbnail.jpg\" alt=\"alt text\" loading=\"lazy\"></div>"),
    ("html::tests::test_with_video_minimal#1",
     "the peer italicizes video titles as its own styling; we leave that to the theme (.slack-video-title)",
     "<div class=\"slack-video\"><div class=\"slack-video-title\">Video title</div><img class=\"slack-video-thumbnail\" src=\"https://example.com/thumbnail.jpg\" alt=\"alt text\" loading=\"lazy\"></div>"),
];

/// A `Lookup` built from a case's renderer options (users, channels, user groups, custom emoji).
#[derive(Default)]
struct CaseLookup {
    users: HashMap<String, String>,
    channels: HashMap<String, String>,
    usergroups: HashMap<String, String>,
    emoji: HashMap<String, String>,
}

impl CaseLookup {
    fn from_options(options: &Value) -> Self {
        let map = |key: &str| -> HashMap<String, String> {
            options
                .get(key)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default()
        };
        CaseLookup {
            users: map("users"),
            channels: map("channels"),
            usergroups: map("usergroups"),
            emoji: map("emojis"),
        }
    }
}

impl Lookup for CaseLookup {
    fn user_name(&self, id: &str) -> Option<&str> {
        self.users.get(id).map(String::as_str)
    }
    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        self.channels
            .get(id)
            .map(|name| ChannelRef { name, url: None })
    }
    fn custom_emoji(&self, name: &str) -> Option<&str> {
        self.emoji.get(name).map(String::as_str)
    }
    fn usergroup_handle(&self, id: &str) -> Option<&str> {
        self.usergroups.get(id).map(String::as_str)
    }
}

/// Raw text as a Slack client would send it: `&<>` escaped except in control sequences.
fn raw_to_wire(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && is_control_sequence(&rest[1..end])
        {
            out.push('<');
            out.push_str(&rest[1..end].replace('&', "&amp;"));
            out.push('>');
            rest = &rest[end + 1..];
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_control_sequence(inner: &str) -> bool {
    !inner.contains('<')
        && ["http://", "https://", "mailto:", "@", "#", "!"]
            .iter()
            .any(|p| inner.starts_with(p))
}

struct Case {
    test: String,
    /// `#n` when several cases share the test name.
    ordinal: String,
    source: String,
    kind: String,
    input: Value,
    options: Value,
    expected: String,
    negated: bool,
}

fn load_cases() -> Vec<Case> {
    let all: Vec<Value> = serde_json::from_str(CASES).expect("fixture is valid JSON");
    let mut seen: HashMap<String, usize> = HashMap::new();
    all.into_iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            let test = s("test");
            let n = seen.entry(test.clone()).or_default();
            *n += 1;
            Case {
                ordinal: format!("#{n}"),
                test,
                source: s("source"),
                kind: s("kind"),
                input: c["input"].clone(),
                options: c.get("options").cloned().unwrap_or(Value::Null),
                expected: s("expected_html"),
                negated: c["negated"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

fn render_case(case: &Case) -> Rendered {
    let lookup = CaseLookup::from_options(&case.options);
    let options = RenderOptions {
        timezone: jiff::tz::TimeZone::UTC,
        language: scrollback::locale::Language::English,
    };
    if case.kind == "blocks" {
        return render_message(&json!({ "blocks": case.input }), &lookup, &options);
    }
    let text = case.input.as_str().unwrap_or_default();
    let raw_input = case.source.starts_with("Sorunome/slack-markdown")
        || (case.source.starts_with("slack-blocks-render") && case.kind == "mrkdwn");
    if raw_input {
        render_mrkdwn(&raw_to_wire(text), &lookup, &options)
    } else {
        render_mrkdwn(text, &lookup, &options)
    }
}

// ---- Meaning of an HTML fragment ---------------------------------------------------------------

/// Inline formats, as a sorted set of short names (`a=href`, `b`, `c`, `i`, `s`).
type Formats = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// One visual line: runs of text with their formats (images as `[img src]`).
    Line(Vec<(String, Formats)>),
    Block(&'static str, Vec<Node>),
}

struct Builder {
    /// Open structural blocks, innermost last.
    stack: Vec<(&'static str, Vec<Node>)>,
    line: Vec<(String, Formats)>,
    formats: Vec<String>,
    /// Line-container elements (`p`, `div`) open, with whether anything was inside.
    containers: Vec<bool>,
}

impl Builder {
    fn in_pre(&self) -> bool {
        self.stack.iter().any(|(k, _)| *k == "pre")
    }

    fn push_node(&mut self, node: Node) {
        if let Some((_, children)) = self.stack.last_mut() {
            children.push(node);
        }
    }

    fn mark_content(&mut self) {
        for c in &mut self.containers {
            *c = true;
        }
    }

    fn text(&mut self, text: &str) {
        self.mark_content();
        if self.in_pre() {
            let mut lines = text.split('\n');
            if let Some(first) = lines.next() {
                self.run(first);
            }
            for line in lines {
                self.end_line(true);
                self.run(line);
            }
        } else {
            self.run(text);
        }
    }

    fn run(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut formats = self.formats.clone();
        if self.in_pre() {
            formats.retain(|f| f != "c");
        }
        formats.sort();
        formats.dedup();
        self.line.push((text.to_owned(), formats));
    }

    /// Ends the current line; `explicit` for a `<br>` (or a newline in pre), which makes even an
    /// empty line count.
    fn end_line(&mut self, explicit: bool) {
        let line = normalize_line(std::mem::take(&mut self.line), self.in_pre());
        if explicit || !line.is_empty() {
            self.push_node(Node::Line(line));
        }
    }

    /// At a block boundary a pending line is kept only if it has content: a `<br>` right before a
    /// block adds nothing.
    fn flush_soft(&mut self) {
        let line = normalize_line(std::mem::take(&mut self.line), self.in_pre());
        if !line.is_empty() {
            self.push_node(Node::Line(line));
        }
    }

    fn open_block(&mut self, kind: &'static str) {
        self.mark_content();
        self.flush_soft();
        self.stack.push((kind, Vec::new()));
    }

    fn close_block(&mut self, kind: &'static str) {
        self.flush_soft();
        if self.stack.len() > 1
            && self.stack.last().is_some_and(|(k, _)| *k == kind)
            && let Some((kind, mut children)) = self.stack.pop()
        {
            if kind == "pre"
                && let Some(Node::Line(l)) = children.last()
                && l.is_empty()
            {
                // A newline at the very end of a pre adds no line.
                children.pop();
            }
            self.push_node(Node::Block(kind, children));
        }
    }
}

fn normalize_line(runs: Vec<(String, Formats)>, pre: bool) -> Vec<(String, Formats)> {
    let mut out: Vec<(String, Formats)> = Vec::new();
    for (text, formats) in runs {
        let text = if pre {
            text
        } else {
            let mut collapsed = String::new();
            for c in text.chars() {
                let c = if is_collapsible(c) { ' ' } else { c };
                let previous_space = collapsed.ends_with(' ')
                    || (collapsed.is_empty() && out.last().is_some_and(|(t, _)| t.ends_with(' ')));
                if !(c == ' ' && previous_space) {
                    collapsed.push(c);
                }
            }
            collapsed
        };
        // Bold or italic spaces look like plain ones.
        let formats: Formats = if text.trim().is_empty() && !text.is_empty() {
            formats
                .into_iter()
                .filter(|f| f != "b" && f != "i")
                .collect()
        } else {
            formats
        };
        match out.last_mut() {
            Some((last, f)) if *f == formats => last.push_str(&text),
            _ if text.is_empty() => {}
            _ => out.push((text, formats)),
        }
    }
    if !pre {
        if let Some((first, _)) = out.first_mut() {
            *first = first.trim_start_matches(is_collapsible).to_owned();
        }
        if let Some((last, _)) = out.last_mut() {
            *last = last.trim_end_matches(is_collapsible).to_owned();
        }
        out.retain(|(t, _)| !t.is_empty());
        // Merging again after trimming emptied runs.
        let mut merged: Vec<(String, Formats)> = Vec::new();
        for (t, f) in out {
            match merged.last_mut() {
                Some((lt, lf)) if *lf == f => lt.push_str(&t),
                _ => merged.push((t, f)),
            }
        }
        out = merged;
    }
    // Once collapsing is done, a no-break space is just a visible space.
    for (text, _) in &mut out {
        if text.contains('\u{a0}') {
            *text = text.replace('\u{a0}', " ");
        }
    }
    out
}

/// Whitespace that HTML collapses (a no-break space or an em space does not collapse).
fn is_collapsible(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\t' | '\r' | '\x0c')
}

fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // `&nbsp` without `;` is one of the legacy references browsers still decode.
        let named = [
            ("&amp;", "&"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&#39;", "'"),
            ("&nbsp;", "\u{a0}"),
            ("&nbsp", "\u{a0}"),
        ];
        if let Some((e, d)) = named.iter().find(|(e, _)| rest.starts_with(e)) {
            out.push_str(d);
            rest = &rest[e.len()..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(decode_entities(&tag[start..start + len]))
}

/// Reduces an HTML fragment to what a reader sees (see the module docs).
fn meaning(html: &str) -> Vec<Node> {
    let mut b = Builder {
        stack: vec![("root", Vec::new())],
        line: Vec::new(),
        formats: Vec::new(),
        containers: Vec::new(),
    };
    let mut rest = html;
    while !rest.is_empty() {
        let text_len = rest.find('<').unwrap_or(rest.len());
        if text_len > 0 {
            b.text(&decode_entities(&rest[..text_len]));
            rest = &rest[text_len..];
            continue;
        }
        let Some(end) = rest.find('>') else {
            b.text(&decode_entities(rest));
            break;
        };
        let tag = rest[1..end].trim_end_matches('/').trim();
        rest = &rest[end + 1..];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(' ')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let format = match name.as_str() {
            "b" | "strong" => Some("b".to_owned()),
            "i" | "em" => Some("i".to_owned()),
            "s" | "del" | "strike" => Some("s".to_owned()),
            "code" => Some("c".to_owned()),
            "a" => Some(format!("a={}", attr(tag, "href").unwrap_or_default())),
            _ => None,
        };
        if let Some(format) = format {
            if closing {
                let prefix = if name == "a" { "a=" } else { format.as_str() };
                if let Some(i) = b.formats.iter().rposition(|f| f.starts_with(prefix)) {
                    b.formats.remove(i);
                }
            } else {
                b.formats.push(format);
            }
            continue;
        }
        let structural: Option<&'static str> = match name.as_str() {
            "blockquote" => Some("blockquote"),
            "pre" => Some("pre"),
            "ul" => Some("ul"),
            "ol" => Some("ol"),
            "li" => Some("li"),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Some("heading"),
            _ => None,
        };
        match (name.as_str(), structural) {
            (_, Some(kind)) if closing => b.close_block(kind),
            (_, Some(kind)) => b.open_block(kind),
            ("br", _) => {
                b.mark_content();
                b.end_line(true);
            }
            ("hr", _) => {
                b.open_block("hr");
                b.close_block("hr");
            }
            ("img", _) => {
                b.mark_content();
                let src = attr(tag, "src").unwrap_or_default();
                b.line.push((format!("[img {src}]"), Vec::new()));
            }
            ("p" | "div" | "figure" | "figcaption", _) => {
                if closing {
                    let had_content = b.containers.pop().unwrap_or(true);
                    if had_content {
                        b.flush_soft();
                    } else {
                        // An empty paragraph is an empty line.
                        b.end_line(true);
                    }
                } else {
                    b.flush_soft();
                    b.containers.push(false);
                }
            }
            _ => {} // span, time and other wrappers: no meaning of their own
        }
    }
    b.flush_soft();
    while b.stack.len() > 1 {
        let kind = b.stack.last().map(|(k, _)| *k).unwrap_or("root");
        b.close_block(kind);
    }
    b.stack
        .pop()
        .map(|(_, children)| children)
        .unwrap_or_default()
}

// ---- The tests ---------------------------------------------------------------------------------

fn deviation(case: &Case) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let name = format!("{}{}", case.test, case.ordinal);
    DEVIATIONS.iter().find(|(test, _, _)| *test == name)
}

#[test]
fn all_peer_cases_are_loaded() {
    let cases = load_cases();
    assert_eq!(cases.len(), CASE_COUNT);
    assert_eq!(cases.iter().filter(|c| c.kind == "blocks").count(), 61);
}

#[test]
fn every_output_is_safe() {
    for case in load_cases() {
        let out = render_case(&case);
        if let Err(problem) = check_html(&out.html) {
            panic!("{} {}: {problem}\n{}", case.test, case.ordinal, out.html);
        }
    }
}

#[test]
fn peer_cases_match_by_meaning() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in load_cases() {
        if deviation(&case).is_some() {
            continue;
        }
        let out = render_case(&case);
        let same = meaning(&out.html) == meaning(&case.expected);
        compared += 1;
        if same == case.negated {
            failures.push(format!(
                "{}{} [{}]\n  input:    {}\n  expected: {}\n  ours:     {}\n  meaning expected: {:?}\n  meaning ours:     {:?}",
                case.test,
                case.ordinal,
                case.source,
                case.input,
                case.expected,
                out.html,
                meaning(&case.expected),
                meaning(&out.html)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(compared + DEVIATIONS.len(), CASE_COUNT);
}

#[test]
fn deviations_render_as_documented() {
    let cases = load_cases();
    for (name, reason, ours) in DEVIATIONS {
        assert!(!reason.is_empty());
        let matching: Vec<&Case> = cases
            .iter()
            .filter(|c| deviation(c).is_some_and(|d| d.0 == *name))
            .collect();
        assert_eq!(matching.len(), 1, "{name} must name exactly one case");
        let case = matching[0];
        let out = render_case(case);
        assert_eq!(out.html, *ours, "{name}");
        // A deviation must really differ in meaning, or it should not be listed.
        assert_ne!(
            meaning(&out.html),
            meaning(&case.expected),
            "{name} is not a deviation"
        );
    }
}

#[test]
fn meaning_unifies_spelling_but_keeps_structure() {
    assert_eq!(
        meaning("<strong>a</strong> <em>b</em>"),
        meaning("<b>a</b> <i>b</i>")
    );
    assert_eq!(meaning("<p>a</p><p>b</p>"), meaning("a<br>b"));
    assert_eq!(meaning("a<br /><pre>x\n</pre>"), meaning("a<pre>x</pre>"));
    assert_eq!(
        meaning("<code><del><em>x</em></del></code>"),
        meaning("<i><s><code>x</code></s></i>")
    );
    assert_ne!(meaning("<blockquote>a</blockquote>"), meaning("a"));
    assert_ne!(
        meaning("<a href=\"https://x\">a</a>"),
        meaning("<a href=\"https://y\">a</a>")
    );
    assert_ne!(meaning("a<br><br>b"), meaning("a<br>b"));
    assert_ne!(meaning("<b>a</b>b"), meaning("ab"));
    assert_eq!(meaning("a &nbsp; b"), meaning("a \u{a0}\u{a0}b"));
    assert_ne!(meaning("a &nbsp; b"), meaning("a b"));
}

#[test]
fn raw_to_wire_keeps_control_sequences() {
    assert_eq!(
        raw_to_wire("<b>x</b> & <https://a.example?x&y|l> > q"),
        "&lt;b&gt;x&lt;/b&gt; &amp; <https://a.example?x&amp;y|l> &gt; q"
    );
}
