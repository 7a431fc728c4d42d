//! `feed.json` and `feed.jsonp`: a chat's published messages for embedding and live pages.
//!
//! The shape is a public interface, versioned and documented in docs/feeds.md. JSONP is the same
//! JSON wrapped in the configured callback (validated as a JavaScript identifier), for pages on
//! other origins.

use serde::Serialize;

use super::pages::ChatSummary;
use super::view::MessageView;

/// The feed format's version; bump it when a field changes meaning or disappears.
pub const FEED_VERSION: u32 = 1;

#[derive(Serialize)]
struct Feed<'a> {
    version: u32,
    generator: &'static str,
    channel: &'a ChatSummary,
    messages: &'a [MessageView],
}

/// The JSON of a chat's feed.
pub fn feed_json(chat: &ChatSummary, messages: &[MessageView]) -> Vec<u8> {
    let feed = Feed {
        version: FEED_VERSION,
        generator: "scrollback",
        channel: chat,
        messages,
    };
    let mut out = serde_json::to_vec(&feed).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `callback(<json>);` — `callback` was validated when the config was read.
pub fn jsonp(callback: &str, json: &[u8]) -> Vec<u8> {
    let json = json.strip_suffix(b"\n").unwrap_or(json);
    let mut out = Vec::with_capacity(json.len() + callback.len() + 4);
    out.extend_from_slice(callback.as_bytes());
    out.push(b'(');
    // U+2028 and U+2029 are valid in JSON but end a line in older JavaScript engines.
    let text = String::from_utf8_lossy(json)
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b");\n");
    out
}
