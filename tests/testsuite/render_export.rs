//! Renders every message of the real 2016 Slack export in `tests/fixtures/` (bot attachments, link
//! unfurls, file shares, joins) and checks each output with the same safety checker the unit tests
//! and fuzz targets use.

use std::io::Read;

use scrollback::render::html_check::check_html;
use scrollback::render::{ChannelRef, Lookup, RenderOptions, render_message};
use serde_json::Value;

use crate::support::exports::official_export;

struct NoNames;

impl Lookup for NoNames {
    fn user_name(&self, _id: &str) -> Option<&str> {
        None
    }
    fn channel(&self, _id: &str) -> Option<ChannelRef<'_>> {
        None
    }
    fn custom_emoji(&self, _name: &str) -> Option<&str> {
        None
    }
}

fn export_messages() -> Vec<Value> {
    let file = std::fs::File::open(official_export()).expect("fixture present");
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    let mut messages = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("readable entry");
        let name = entry.name().to_owned();
        if !name.contains('/') || !name.ends_with(".json") {
            continue;
        }
        let mut json = String::new();
        entry.read_to_string(&mut json).expect("utf-8 json");
        if let Ok(Value::Array(day)) = serde_json::from_str(&json) {
            messages.extend(day);
        }
    }
    messages
}

#[test]
fn every_message_of_a_real_export_renders_safely() {
    let messages = export_messages();
    assert_eq!(messages.len(), 158);
    let options = RenderOptions {
        timezone: jiff::tz::TimeZone::UTC,
        language: scrollback::locale::Language::English,
    };
    let mut with_attachments = 0;
    let mut unfurls = 0;
    for message in &messages {
        let out = render_message(message, &NoNames, &options);
        if let Err(problem) = check_html(&out.html) {
            panic!("{problem}\n{message}\n{}", out.html);
        }
        with_attachments += usize::from(out.html.contains("class=\"slack-attachment"));
        unfurls += usize::from(out.html.contains("slack-unfurl"));
        // Nothing raw from the export (its unfurls carry `video_html` iframes) reaches the page.
        assert!(!out.html.contains("<iframe"));
        assert!(
            !out.text.contains("<@U"),
            "unresolved mention markup in text: {}",
            out.text
        );
    }
    let expected_with_attachments = messages
        .iter()
        .filter(|m| {
            m.get("attachments")
                .is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty()))
        })
        .count();
    assert_eq!(with_attachments, expected_with_attachments);
    assert!(unfurls > 0);
}
