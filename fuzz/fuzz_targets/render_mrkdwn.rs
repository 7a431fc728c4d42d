//! Arbitrary text through `render_mrkdwn`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scrollback::render::render_mrkdwn;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = common::options();
    let out = render_mrkdwn(&text, &common::FuzzLookup, &options);
    let again = render_mrkdwn(&text, &common::FuzzLookup, &options);
    common::check(&out, &again);
});
