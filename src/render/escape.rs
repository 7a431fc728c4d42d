//! HTML escaping, and the three entities of Slack's wire format.
//!
//! Slack escapes exactly `&`, `<` and `>` in message text (as `&amp;` `&lt;` `&gt;`) so that its
//! `<...>` control sequences are unambiguous; every other `&...;` in a message is literal text.

/// Escapes text for HTML element content and for quoted attribute values alike.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push_escaped(&mut out, s);
    out
}

/// Appends `s` to `out` with `&`, `<`, `>`, `"` and `'` escaped.
pub fn push_escaped(out: &mut String, s: &str) {
    push_escaped_except(out, s, |_| false);
}

/// [`push_escaped`], except for the `&` at each position `keep` accepts (`s[i..]` starts with
/// it), which is copied as it is.
fn push_escaped_except(out: &mut String, s: &str, keep: impl Fn(&str) -> bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let entity = match b {
            b'&' if keep(&s[i..]) => continue,
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        out.push_str(&s[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Slack's wire-format entities, as (entity, decoded).
const WIRE_ENTITIES: [(&str, char); 3] = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')];

/// The character a wire entity at the start of `s` stands for, and the entity's length.
pub(crate) fn wire_entity_at(s: &str) -> Option<(char, usize)> {
    WIRE_ENTITIES
        .iter()
        .find(|(entity, _)| s.starts_with(entity))
        .map(|&(entity, c)| (c, entity.len()))
}

/// Decodes Slack's three entities and nothing else (`&quot;` stays `&quot;`).
pub(crate) fn decode_wire(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    push_decoded_wire(&mut out, s);
    std::borrow::Cow::Owned(out)
}

/// Appends `s` with Slack's three entities decoded.
pub(crate) fn push_decoded_wire(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match wire_entity_at(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Appends wire-format text as HTML. The three wire entities are already valid HTML for the
/// characters they stand for, so they are copied; any other `&` becomes `&amp;`, and raw `<`, `>`,
/// `"`, `'` (which Slack does not send, but hand-edited content may hold) are escaped.
pub(crate) fn push_wire_as_html(out: &mut String, s: &str) {
    push_escaped_except(out, s, |at| wire_entity_at(at).is_some());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain café 東京"), "plain café 東京");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn wire_entities_decode_and_others_stay_literal() {
        assert_eq!(
            decode_wire("a &amp; b &lt;c&gt; &quot;d&quot; &amp;amp;"),
            "a & b <c> &quot;d&quot; &amp;"
        );
        assert_eq!(decode_wire("no entities"), "no entities");
        assert_eq!(decode_wire("&"), "&");
        assert_eq!(decode_wire("&am"), "&am");
    }

    #[test]
    fn wire_text_as_html_keeps_wire_entities_and_escapes_the_rest() {
        let mut out = String::new();
        push_wire_as_html(
            &mut out,
            "&lt;script&gt; &amp; &quot;x&quot; &nbsp; <b> \"'",
        );
        assert_eq!(
            out,
            "&lt;script&gt; &amp; &amp;quot;x&amp;quot; &amp;nbsp; &lt;b&gt; &quot;&#39;"
        );
    }
}
