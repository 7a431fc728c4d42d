//! Removing Slack tokens before anything is written.
//!
//! Official exports append the exporter's token to file URLs (`…/image.png?t=xoxe-1234-…`), and
//! people paste tokens into messages by mistake. Whoever holds one can read the workspace, so no
//! token may reach `content/` (kept in git) or `site/` (public).

use serde_json::Value;

/// Whether a Slack token starts at `i`: `xox?-` (`xoxb-` bot, `xoxp-` user, `xoxe-` export,
/// `xoxa-`, `xoxr-`, `xoxs-`, `xoxo-`) or `xapp-` (app-level). No word boundary is required
/// before it: a token glued to a word (`keyxoxb-…`) is still a token (issue 11).
fn token_prefix_at(b: &[u8], i: usize) -> bool {
    let rest = &b[i..];
    (rest.len() >= 5
        && rest.starts_with(b"xox")
        && rest[3].is_ascii_alphabetic()
        && rest[4] == b'-')
        || rest.starts_with(b"xapp-")
}

/// A token in prose: real tokens carry long numeric and hex parts; `xoxo-` in a word is not one.
fn token_at(b: &[u8], i: usize) -> bool {
    token_prefix_at(b, i) && token_len(&b[i..]) >= 10
}

fn token_len(b: &[u8]) -> usize {
    b.iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_' || **b == b'.')
        .count()
}

/// One pass over every string written (an import's million strings): whether it may hold a
/// token, and whether it holds a percent escape. A token starts with `x`, as is or escaped
/// (`%78`): a string with neither `xox`/`xapp` nor an escape and an `x` has none.
fn scan(b: &[u8]) -> (bool, bool) {
    let (mut plain, mut escape, mut x) = (false, false, false);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'x' => {
                x = true;
                let rest = &b[i + 1..];
                plain |= rest.starts_with(b"ox") || rest.starts_with(b"app");
            }
            b'%' => {
                escape = true;
                x |= b.get(i + 1..i + 3) == Some(&b"78"[..]);
            }
            _ => {}
        }
    }
    (plain || (escape && x), escape)
}

/// `s` with percent-escapes decoded (`%78%6Fxb-` is `xoxb-`), and for each decoded byte the
/// offset in `s` where it starts (plus `s.len()` at the end), so what is found in the decoded
/// bytes can be cut from `s`.
fn percent_decoded(s: &str) -> (Vec<u8>, Vec<usize>) {
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut origin = Vec::with_capacity(b.len() + 1);
    let mut i = 0;
    while i < b.len() {
        origin.push(i);
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            bytes.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    origin.push(b.len());
    (bytes, origin)
}

/// Returns `s` without tokens, plain or percent-encoded: a `t=xox…` URL query parameter is
/// dropped whole (keeping the rest of the query), any other token is replaced by
/// `[token removed]`. `None` when there was none.
pub fn strip_tokens_str(s: &str) -> Option<String> {
    let (candidate, escaped) = scan(s.as_bytes());
    if !candidate {
        return None;
    }
    // Most strings hold no escape: scan them as they are, without a decoded copy.
    let decoded = escaped.then(|| percent_decoded(s));
    let (b, origin): (&[u8], Option<&[usize]>) = match &decoded {
        Some((bytes, origin)) => (bytes, Some(origin)),
        None => (s.as_bytes(), None),
    };
    let at = |i: usize| origin.map_or(i, |o| o[i]);
    // Ranges of `s` to replace, in order.
    let mut cuts: Vec<(usize, usize, &str)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // A query parameter `?t=xox…` or `&t=xox…`.
        let rest = &b[i..];
        if (rest.starts_with(b"?t=") || rest.starts_with(b"&t=")) && token_prefix_at(b, i + 3) {
            let end = i + 3 + token_len(&b[i + 3..]);
            if b.get(end) == Some(&b'&') {
                // `?t=…&x=1` keeps `?x=1`; `&t=…&x=1` keeps `&x=1`.
                cuts.push((at(i + 1), at(end + 1), ""));
                i = end + 1;
            } else {
                cuts.push((at(i), at(end), ""));
                i = end;
            }
            continue;
        }
        if token_at(b, i) {
            let end = i + token_len(&b[i..]);
            cuts.push((at(i), at(end), "[token removed]"));
            i = end;
            continue;
        }
        i += 1;
    }
    if cuts.is_empty() {
        return None;
    }
    // Every cut starts and ends at an ASCII byte or a `%` escape of `s`: char boundaries.
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (start, end, with) in cuts {
        out.push_str(&s[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&s[at..]);
    Some(out)
}

/// Strips tokens from one string in place. Returns whether anything changed.
pub fn strip_tokens_in(s: &mut String) -> bool {
    match strip_tokens_str(s) {
        Some(clean) => {
            *s = clean;
            true
        }
        None => false,
    }
}

/// Strips tokens from every string in a JSON tree, in place. Returns whether anything changed.
pub fn strip_tokens(value: &mut Value) -> bool {
    match value {
        Value::String(s) => strip_tokens_in(s),
        Value::Array(items) => items.iter_mut().fold(false, |c, v| strip_tokens(v) | c),
        Value::Object(map) => map.values_mut().fold(false, |c, v| strip_tokens(v) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_export_tokens_from_urls() {
        assert_eq!(
            strip_tokens_str("https://files.slack.com/a.png?t=xoxe-1234-5678-abcd").unwrap(),
            "https://files.slack.com/a.png"
        );
        assert_eq!(
            strip_tokens_str("https://x/a.png?t=xoxe-1-2&w=3").unwrap(),
            "https://x/a.png?w=3"
        );
        assert_eq!(
            strip_tokens_str("https://x/a.png?w=3&t=xoxe-1-2").unwrap(),
            "https://x/a.png?w=3"
        );
        assert_eq!(strip_tokens_str("https://x/a.png?w=3"), None);
    }

    #[test]
    fn redacts_pasted_tokens() {
        assert_eq!(
            strip_tokens_str("my token is xoxb-123-abc, oops").unwrap(),
            "my token is [token removed], oops"
        );
        assert_eq!(strip_tokens_str("the xoxo- in a word? noxoxb-1"), None);
    }

    #[test]
    fn tokens_glued_to_words_and_every_prefix_are_removed() {
        for (text, want) in [
            ("key:xoxb-1234567890-abc", "key:[token removed]"),
            ("abcxoxp-1234567890-abc!", "abc[token removed]!"),
            ("9xoxe-1234567890", "9[token removed]"),
            ("xapp-1-A0-1234567890-ab", "[token removed]"),
            (
                "xoxa-2-1234567890 xoxr-1234567890",
                "[token removed] [token removed]",
            ),
            ("xoxe.xoxp-1-1234567890", "xoxe.[token removed]"),
        ] {
            assert_eq!(strip_tokens_str(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn percent_encoded_tokens_are_removed() {
        assert_eq!(
            strip_tokens_str("https://x/?next=%78%6F%78b-1234567890-abc&y=1").unwrap(),
            "https://x/?next=[token removed]&y=1"
        );
        assert_eq!(
            strip_tokens_str("https://f/a.png?t=xoxe%2D1234567890%2Dabc").unwrap(),
            "https://f/a.png"
        );
        assert_eq!(
            strip_tokens_str("a%3Fb c%25 100%").as_deref(),
            None,
            "escapes without a token change nothing"
        );
        assert_eq!(
            scan(b"https://x/a%20b"),
            (true, true),
            "an x and an escape: decode"
        );
        assert!(!scan(b"https://w/a%20b").0, "no x: nothing to decode");
        assert!(scan(b"%78%6F%78b-1").0);
        // Multi-byte text around a token stays whole.
        assert_eq!(
            strip_tokens_str("été→xoxb-1234567890-x←").unwrap(),
            "été→[token removed]←"
        );
    }

    #[test]
    fn cleans_nested_json() {
        let mut v = serde_json::json!({"files": [{"url_private": "https://f/x?t=xoxe-9"}], "n": 1});
        assert!(strip_tokens(&mut v));
        assert!(!v.to_string().contains("xoxe"));
    }
}
