//! The little XML the discoverability files need (sitemaps, Atom): escaping and dates.
//!
//! Written by hand rather than with an XML library: the documents are flat, and their bytes must
//! be the same on every build. Message text is anyone's, so escaping also drops the characters
//! XML 1.0 cannot carry at all (a stray control character would make a reader reject the feed).

use std::fmt::Write;

/// `text` escaped for XML element content and attribute values (`"`-quoted).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_into(text, &mut out);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    push_escaped(text, true, out);
}

/// `text` escaped for element content only, appended to `out`: quotes stay as they are (the
/// HTML of a message is full of them).
pub fn text_into(text: &str, out: &mut String) {
    push_escaped(text, false, out);
}

fn push_escaped(text: &str, quotes: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&apos;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Unix seconds as RFC 3339 in UTC (`2018-03-06T15:04:05Z`): what Atom's dates and the
/// sitemaps' `lastmod` (W3C Datetime) both accept.
pub fn utc(seconds: i64) -> String {
    let at = jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut out = String::with_capacity(20);
    let _ = write!(out, "{}", at.strftime("%Y-%m-%dT%H:%M:%SZ"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("a <b> & \"c\" 'd'"),
            "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"
        );
        let mut text = String::new();
        text_into("<a href=\"x\">&'", &mut text);
        assert_eq!(text, "&lt;a href=\"x\"&gt;&amp;'");
        assert_eq!(
            escape("bell\u{7}\u{0} tab\tok\u{FFFE} 😀"),
            "bell tab\tok 😀"
        );
    }

    #[test]
    fn dates_are_utc_rfc_3339() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_520_348_645), "2018-03-06T15:04:05Z");
    }
}
