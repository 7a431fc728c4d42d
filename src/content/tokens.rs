//! Removing Slack tokens before anything is written.
//!
//! Official exports append the exporter's token to file URLs (`…/image.png?t=xoxe-1234-…`), and
//! people paste tokens into messages by mistake. Whoever holds one can read the workspace, so no
//! token may reach `content/` (kept in git) or `site/` (public).

use serde_json::Value;

/// Slack token prefixes: `xoxb-` bot, `xoxp-` user, `xoxe-` export, `xoxa-`/`xoxr-`/`xoxs-`/`xoxo-`.
fn token_prefix_at(s: &str, i: usize) -> bool {
    let b = s.as_bytes();
    b.len() >= i + 5
        && b[i..].starts_with(b"xox")
        && b[i + 3].is_ascii_alphabetic()
        && b[i + 4] == b'-'
        && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
}

/// A token in prose: real tokens carry long numeric and hex parts; `xoxo-` in a word is not one.
fn token_at(s: &str, i: usize) -> bool {
    token_prefix_at(s, i) && token_len(&s[i..]) >= 10
}

fn token_len(s: &str) -> usize {
    s.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' || *b == b'.')
        .count()
}

/// Returns `s` without tokens: a `t=xox…` URL query parameter is dropped whole (keeping the rest
/// of the query), any other token is replaced by `[token removed]`. `None` when there was none.
pub fn strip_tokens_str(s: &str) -> Option<String> {
    if !s.contains("xox") {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut changed = false;
    while i < s.len() {
        // A query parameter `?t=xox…` or `&t=xox…`.
        let rest = &s[i..];
        if (rest.starts_with("?t=") || rest.starts_with("&t=")) && token_prefix_at(s, i + 3) {
            let end = i + 3 + token_len(&s[i + 3..]);
            changed = true;
            if s[end..].starts_with('&') {
                // `?t=…&x=1` keeps `?x=1`; `&t=…&x=1` keeps `&x=1`.
                out.push_str(&s[i..i + 1]);
                i = end + 1;
            } else {
                i = end;
            }
            continue;
        }
        if token_at(s, i) {
            let end = i + token_len(&s[i..]);
            out.push_str("[token removed]");
            changed = true;
            i = end;
            continue;
        }
        let c = rest.chars().next().unwrap_or('\0');
        out.push(c);
        i += c.len_utf8().max(1);
    }
    changed.then_some(out)
}

/// Strips tokens from every string in a JSON tree, in place. Returns whether anything changed.
pub fn strip_tokens(value: &mut Value) -> bool {
    match value {
        Value::String(s) => match strip_tokens_str(s) {
            Some(clean) => {
                *s = clean;
                true
            }
            None => false,
        },
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
    fn cleans_nested_json() {
        let mut v = serde_json::json!({"files": [{"url_private": "https://f/x?t=xoxe-9"}], "n": 1});
        assert!(strip_tokens(&mut v));
        assert!(!v.to_string().contains("xoxe"));
    }
}
