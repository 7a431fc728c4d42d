//! `feed.json` and `feed.jsonp`: a chat's published messages for embedding and live pages.
//!
//! The shape is a public interface, versioned and documented in docs/feeds.md. JSONP is the same
//! JSON wrapped in the configured callback (validated as a JavaScript identifier), for pages on
//! other origins.

use super::pages::ChatSummary;

/// The feed format's version; bump it when a field changes meaning or disappears.
pub const FEED_VERSION: u32 = 1;

/// The JSON of a chat's feed, assembled from each message's JSON (serialized once, when the
/// message was rendered): `{"version":1,"generator":"scrollback","channel":{…},"messages":[…]}`.
/// `messages` appends the messages, comma-separated, to the buffer it is given.
pub fn feed_json(chat: &ChatSummary, messages: impl FnOnce(&mut String)) -> Vec<u8> {
    let mut out = String::with_capacity(1 << 16);
    out.push_str(&format!(
        "{{\"version\":{FEED_VERSION},\"generator\":\"scrollback\",\"channel\":"
    ));
    out.push_str(&serde_json::to_string(chat).unwrap_or_default());
    out.push_str(",\"messages\":[");
    messages(&mut out);
    out.push_str("]}\n");
    out.into_bytes()
}

/// `callback(<json>);` — `callback` was validated when the config was read.
pub fn jsonp(callback: &str, json: &[u8]) -> Vec<u8> {
    let json = json.strip_suffix(b"\n").unwrap_or(json);
    let mut out = Vec::with_capacity(json.len() + callback.len() + 4);
    out.extend_from_slice(callback.as_bytes());
    out.push(b'(');
    // U+2028 and U+2029 (E2 80 A8/A9) are valid in JSON but end a line in older JavaScript
    // engines; escape them. Rare, so the common case is one copy.
    let mut rest = json;
    while let Some(at) = rest
        .windows(3)
        .position(|w| w[0] == 0xE2 && w[1] == 0x80 && (w[2] == 0xA8 || w[2] == 0xA9))
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(if rest[at + 2] == 0xA8 {
            b"\\u2028"
        } else {
            b"\\u2029"
        });
        rest = &rest[at + 3..];
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(b");\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonp_wraps_and_escapes_line_separators() {
        assert_eq!(jsonp("cb", b"{\"a\":1}\n"), b"cb({\"a\":1});\n");
        let out = jsonp("cb", "{\"t\":\"a\u{2028}b\u{2029}c\"}".as_bytes());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "cb({\"t\":\"a\\u2028b\\u2029c\"});\n"
        );
    }
}
