//! No Slack token of any prefix, in any encoding, reaches `content/`, `site/` or what scrollback
//! prints, on the live path as on import; what `serve` keeps of raw events is private to its user
//! (issue 11).

use std::path::Path;

use serde_json::json;

use crate::support::exports::official_export;
use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack::{callback, message};
use crate::support::wait::wait_until;

const CH: &str = "C1SECRET";

/// Every prefix Slack gives its tokens.
const PREFIXES: [&str; 7] = [
    "xoxb-", "xoxp-", "xoxe-", "xoxa-", "xoxr-", "xoxs-", "xapp-",
];

/// A token of `prefix` as a leak would carry it: plain, glued to a word, percent-encoded (whole
/// or just its dash), in a link.
fn leaks(prefix: &str) -> String {
    let token = format!("{prefix}1234567890-0987654321-abcdef");
    let encoded: String = prefix.bytes().map(|b| format!("%{b:02X}")).collect();
    let dash_encoded = token.replacen('-', "%2D", 1);
    format!(
        "plain {token} glued:word{token} encoded {encoded}1234567890-abc dash {dash_encoded} \
         <https://example.org/?t={token}|link>"
    )
}

/// What a token looks like in any of the forms above, lowercased.
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for prefix in PREFIXES {
        out.push(prefix.to_owned());
        out.push(prefix.replace('-', "%2d"));
        out.push(prefix.bytes().map(|b| format!("%{b:02x}")).collect());
    }
    out
}

fn assert_no_token(what: &str, text: &str) {
    let text = text.to_ascii_lowercase();
    for needle in needles() {
        assert!(!text.contains(&needle), "{what} holds {needle:?}");
    }
}

fn assert_no_token_in_tree(root: &Path) {
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert_no_token(
                &entry.path().display().to_string(),
                &String::from_utf8_lossy(&bytes),
            );
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn no_token_reaches_content_site_or_logs_and_raw_events_stay_private() {
    let p = Project::init();
    // The official export's file links carry `?t=xoxe-…`.
    let import_output = p.ok(&["import", official_export().to_str().unwrap()]);
    p.add_live_chat(CH, "secrets", "Secrets");
    let s = Server::start(&p);
    let mut events = Vec::new();
    for (i, prefix) in PREFIXES.iter().enumerate() {
        let ts = format!("17000000{i:02}.000100");
        events.push(message(
            &format!("EvSecret{i}"),
            CH,
            &ts,
            "U1",
            &leaks(prefix),
        ));
    }
    let tokens: String = PREFIXES.iter().map(|p| leaks(p)).collect();
    events.extend([
        callback(
            "EvTopic",
            json!({"type": "message", "subtype": "channel_topic", "channel": CH, "user": "U1",
                   "ts": "1700000100.000100", "topic": tokens.clone(),
                   "text": format!("set the channel topic: {tokens}")}),
        ),
        callback(
            "EvPurpose",
            json!({"type": "message", "subtype": "channel_purpose", "channel": CH, "user": "U1",
                   "ts": "1700000101.000100", "purpose": tokens.clone(),
                   "text": format!("set the channel purpose: {tokens}")}),
        ),
        callback(
            "EvFile",
            json!({"type": "message", "subtype": "file_share", "channel": CH, "user": "U1",
                   "ts": "1700000102.000100", "text": "a file",
                   "files": [{"id": "F1", "name": "chart.png", "mimetype": "image/png",
                     "url_private": "https://files.slack.com/files-pri/T1-F1/chart.png?t=xoxe-1-2-abc",
                     "url_private_download": "https://files.slack.com/files-pri/T1-F1/download/chart.png?t=xoxe-1-2-abc",
                     "thumb_360": "https://files.slack.com/files-tmb/T1-F1/chart_360.png?t=xoxe-1-2-abc",
                     "permalink": "https://example.slack.com/files/U1/F1/chart.png"}]}),
        ),
    ]);
    for event in &events {
        assert_eq!(s.post(event), 200);
    }
    wait_until("every event applied", || {
        s.health()["events_applied"].as_u64() == Some(events.len() as u64)
    });
    wait_until("the live chat's page", || {
        p.exists("site/secrets/index.html")
    });
    let build_output = p.ok(&["build"]);

    assert_no_token_in_tree(&p.path("content"));
    assert_no_token_in_tree(&p.path("site"));
    assert_no_token("import's output", &import_output);
    assert_no_token("build's output", &build_output);
    assert_no_token("serve's log", &s.log());

    // The journal holds events as Slack sent them, tokens and all: for the user running serve
    // only, like everything else serve keeps of them.
    let events_dir = p.path(".scrollback/events");
    assert_eq!(mode(&events_dir), 0o700);
    for entry in std::fs::read_dir(&events_dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    s.stop();
}
