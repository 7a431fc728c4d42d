//! The Slack app manifests in `slack/` (issue 14, item 7) against what scrollback does: setting
//! the app up is one paste only if the manifest asks for every scope the README explains, names
//! the contract's command, shortcuts and URL paths, and `serve` answers at each of those paths.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::project::{Project, repo};
use crate::support::server::Server;
use crate::support::slack::python_with;

/// A manifest as JSON, read by PyYAML (the YAML Slack's own tools read).
fn manifest(name: &str) -> Option<Value> {
    let python = python_with("yaml")?;
    let path = repo().join("slack").join(name);
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn strings(v: &Value) -> BTreeSet<String> {
    (v.as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The scopes the README's scope table explains.
fn readme_scopes() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let table = readme
        .split("### Slack app: scopes")
        .nth(1)
        .unwrap()
        .split("\n### ")
        .next()
        .unwrap();
    let mut scopes = BTreeSet::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split('|').nth(1).unwrap();
        scopes.extend(first.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    scopes
}

/// Every URL a manifest names, as its path.
fn url_paths(v: &Value, paths: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if s.starts_with("https://HOST/") => {
            paths.insert(s.trim_start_matches("https://HOST").to_owned());
        }
        Value::String(s) => assert!(!s.contains("://"), "a URL that is not on HOST: {s}"),
        Value::Array(items) => items.iter().for_each(|i| url_paths(i, paths)),
        Value::Object(map) => map.values().for_each(|i| url_paths(i, paths)),
        _ => {}
    }
}

#[test]
fn the_manifests_ask_for_what_scrollback_uses_and_serve_answers_at_their_urls() {
    let (Some(http), Some(socket)) = (
        manifest("manifest.yml"),
        manifest("manifest.socket-mode.yml"),
    ) else {
        return;
    };
    for m in [&http, &socket] {
        assert_eq!(
            strings(&m["oauth_config"]["scopes"]["bot"]),
            readme_scopes(),
            "the manifest's scopes against README's scope table"
        );
        let commands: Vec<&str> = (m["features"]["slash_commands"].as_array().unwrap().iter())
            .map(|c| c["command"].as_str().unwrap())
            .collect();
        assert_eq!(commands, ["/scrollback"]);
        let shortcuts: BTreeSet<String> = (m["features"]["shortcuts"].as_array().unwrap())
            .iter()
            .inspect(|s| assert_eq!(s["type"], "message"))
            .map(|s| s["callback_id"].as_str().unwrap().to_owned())
            .collect();
        let contract = [
            "scrollback_edit",
            "scrollback_hide",
            "scrollback_pin",
            "scrollback_show",
        ];
        assert_eq!(shortcuts, BTreeSet::from(contract.map(String::from)));
        let events = strings(&m["settings"]["event_subscriptions"]["bot_events"]);
        for needed in [
            "message.channels",
            "message.groups",
            "reaction_added",
            "reaction_removed",
            "app_mention",
            "user_change",
            "channel_rename",
        ] {
            assert!(events.contains(needed), "{needed} is not subscribed");
        }
        assert_eq!(m["settings"]["interactivity"]["is_enabled"], true);
        let long = m["display_information"]["long_description"]
            .as_str()
            .unwrap();
        assert!(
            (174..=4000).contains(&long.len()),
            "Slack's bounds for long_description"
        );
    }
    assert_eq!(http["settings"]["socket_mode_enabled"], false);
    assert_eq!(socket["settings"]["socket_mode_enabled"], true);
    let mut none = BTreeSet::new();
    url_paths(&socket, &mut none);
    assert!(none.is_empty(), "Socket Mode needs no URL: {none:?}");

    let mut paths = BTreeSet::new();
    url_paths(&http, &mut paths);
    let expected = [
        "/slack/commands",
        "/slack/events",
        "/slack/interactions",
        "/slack/oauth/callback",
    ];
    assert_eq!(paths, BTreeSet::from(expected.map(String::from)));
    // serve takes requests at each POST path: an unsigned one is refused as unsigned (401),
    // not as unknown (404).
    let p = Project::init();
    let s = Server::start(&p);
    for path in ["/slack/commands", "/slack/events", "/slack/interactions"] {
        let answer = crate::support::http::request(&s.addr, "POST", path, &[], b"x=1");
        assert_eq!(answer.status, 401, "{path}");
    }
}
