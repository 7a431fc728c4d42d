//! What both targets share: a lookup with hostile as well as ordinary answers, and the property
//! check (the same `html_check` the unit tests use, plus determinism).

use scrollback::render::html_check::check_html;
use scrollback::render::{ChannelRef, Lookup, RenderOptions, Rendered};

pub struct FuzzLookup;

impl Lookup for FuzzLookup {
    fn user_name(&self, id: &str) -> Option<&str> {
        match id {
            "U1" => Some("Alice"),
            "U2" => Some("<script>alert(\"x\")</script> & 'co'"),
            _ => None,
        }
    }
    fn channel(&self, id: &str) -> Option<ChannelRef<'_>> {
        match id {
            "C1" => Some(ChannelRef {
                name: "general",
                url: Some("https://news.example/general/"),
            }),
            "C2" => Some(ChannelRef {
                name: "\"><b>x",
                url: Some("javascript:alert(1)"),
            }),
            "C3" => Some(ChannelRef {
                name: "quiet",
                url: None,
            }),
            _ => None,
        }
    }
    fn custom_emoji(&self, name: &str) -> Option<&str> {
        match name {
            "parrot" => Some("https://emoji.example/parrot.gif"),
            "evil" => Some("javascript:alert(1)"),
            "quote" => Some("https://emoji.example/\"onerror=\"alert(1)"),
            _ => None,
        }
    }
    fn usergroup_handle(&self, id: &str) -> Option<&str> {
        (id == "S1").then_some("desk")
    }
}

pub fn options() -> RenderOptions {
    RenderOptions {
        timezone: jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(-5)),
        language: scrollback::locale::Language::English,
    }
}

/// Panics (which the fuzzer reports) when the output breaks a promise.
pub fn check(out: &Rendered, again: &Rendered) {
    if let Err(problem) = check_html(&out.html) {
        panic!("unsafe or malformed html: {problem}\n{}", out.html);
    }
    assert_eq!(out, again, "rendering is not deterministic");
}
