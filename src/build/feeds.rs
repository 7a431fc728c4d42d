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
pub fn feed_json(chat: &ChatSummary, messages: impl Iterator<Item = String>) -> Vec<u8> {
    let mut out = String::with_capacity(1 << 20);
    out.push_str(&format!(
        "{{\"version\":{FEED_VERSION},\"generator\":\"scrollback\",\"channel\":"
    ));
    out.push_str(&serde_json::to_string(chat).unwrap_or_default());
    out.push_str(",\"messages\":[");
    for (i, m) in messages.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&m);
    }
    out.push_str("]}\n");
    out.into_bytes()
}

/// `callback(<json>);` — `callback` was validated when the config was read.
pub fn jsonp(callback: &str, json: &[u8]) -> Vec<u8> {
    let json = json.strip_suffix(b"\n").unwrap_or(json);
    let mut out = Vec::with_capacity(json.len() + callback.len() + 4);
    out.extend_from_slice(callback.as_bytes());
    out.push(b'(');
    // U+2028 and U+2029 are valid in JSON but end a line in older JavaScript engines. (Their
    // UTF-8 is E2 80 A8/A9; most feeds have neither, and are copied as they are.)
    let separators = json
        .windows(3)
        .any(|w| w[0] == 0xE2 && w[1] == 0x80 && (w[2] == 0xA8 || w[2] == 0xA9));
    if separators {
        let text = String::from_utf8_lossy(json)
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029");
        out.extend_from_slice(text.as_bytes());
    } else {
        out.extend_from_slice(json);
    }
    out.extend_from_slice(b");\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonp_escapes_line_separators_only_when_present() {
        assert_eq!(jsonp("cb", b"{\"a\":1}\n"), b"cb({\"a\":1});\n");
        let out = jsonp("cb", "{\"a\":\"x\u{2028}y\u{2029}\"}".as_bytes());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "cb({\"a\":\"x\\u2028y\\u2029\"});\n"
        );
    }
}
