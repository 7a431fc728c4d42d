//! Shared fixtures for the renderer's unit tests. Every render here also runs the safety checker,
//! so each unit test doubles as a check of the output's safety properties.

use serde_json::{Value, json};

use super::{
    ChannelRef, Lookup, RenderOptions, Rendered, html_check, render_message, render_mrkdwn,
};

pub(crate) struct TestLookup;

impl Lookup for TestLookup {
    fn user_name(&self, id: &str) -> Option<&str> {
        match id {
            "U1" => Some("Alice Smith"),
            "U2" => Some("<b>Bob</b> & \"co\""),
            _ => None,
        }
    }

    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        match id {
            "C1" => Some(ChannelRef {
                name: "general",
                url: Some("/general/"),
            }),
            "C2" => Some(ChannelRef {
                name: "private-desk",
                url: None,
            }),
            "C3" => Some(ChannelRef {
                name: "evil",
                url: Some("javascript:alert(1)"),
            }),
            _ => None,
        }
    }

    fn custom_emoji(&self, name: &str) -> Option<&str> {
        match name {
            "partyparrot" => Some("https://emoji.example/parrot.gif"),
            "evil" => Some("javascript:alert(1)"),
            _ => None,
        }
    }

    fn usergroup_handle(&self, id: &str) -> Option<&str> {
        (id == "S1").then_some("desk")
    }
}

/// US Pacific standard time, fixed, so tests do not depend on the system's zone database.
pub(crate) fn options() -> RenderOptions {
    RenderOptions {
        timezone: jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(-8)),
        language: crate::locale::Language::English,
    }
}

fn checked(out: Rendered) -> Rendered {
    if let Err(problem) = html_check::check_html(&out.html) {
        panic!("unsafe or malformed output: {problem}\nhtml: {}", out.html);
    }
    out
}

pub(crate) fn render_mrkdwn_str(text: &str) -> Rendered {
    checked(render_mrkdwn(text, &TestLookup, &options()))
}

pub(crate) fn render_message_json(message: &Value) -> Rendered {
    checked(render_message(message, &TestLookup, &options()))
}

pub(crate) fn render_blocks_json(blocks: &Value) -> Rendered {
    render_message_json(&json!({ "blocks": blocks }))
}

pub(crate) fn rich_text(elements: Value) -> Value {
    json!([{ "type": "rich_text", "elements": elements }])
}
