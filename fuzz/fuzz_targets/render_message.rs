//! Arbitrary JSON-ish bytes through `render_message`: bytes that parse as JSON are the message
//! (any shape, not only objects); bytes that do not become a message's `text`, so every input
//! exercises something.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scrollback::render::render_message;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let message: Value = serde_json::from_slice(data)
        .unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(data) }));
    let options = common::options();
    let out = render_message(&message, &common::FuzzLookup, &options);
    let again = render_message(&message, &common::FuzzLookup, &options);
    common::check(&out, &again);
});
