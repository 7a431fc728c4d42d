//! `backfill` and `sync` through the real binary against the fake of Slack's Web API
//! (support/slack_api.rs, itself checked against Slack's Python SDK in `slack_api_fake`):
//! exact counts from the export generator's manifest, idempotence, resuming after a 429 storm,
//! errors a user can act on, and the token kept out of everything written.

use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::exports::{official_export, synthetic_export};
use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack_api::{FakeSlack, Workspace, png};
use crate::support::wait::wait_until;

/// A project with a live chat for each channel of a synthetic export, the fake serving that
/// export's workspace, and the manifest.
fn backfill_setup(messages: usize, channels: usize, seed: u64) -> (Project, FakeSlack, Value) {
    let (zip, manifest) = synthetic_export(messages, channels, seed, false);
    let slack = FakeSlack::start(Workspace::from_export(&zip));
    let p = project_following(&slack, &manifest);
    (p, slack, manifest)
}

/// A project with a live chat for each channel of the export, added with the token as a
/// newsroom would: `channel add` fills the channel's info from Slack.
fn project_following(slack: &FakeSlack, manifest: &Value) -> Project {
    let p = Project::init();
    for (name, channel) in manifest["channels"].as_object().unwrap() {
        let id = channel["id"].as_str().unwrap();
        let args = ["channel", "add", id, "--slug", name, "--headline", name];
        p.ok_env(&args, &env(slack));
    }
    p
}

/// The fake's environment, without tier pacing (a stand-in answers at once).
fn env(slack: &FakeSlack) -> Vec<(String, String)> {
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".to_owned(), "off".to_owned()));
    env
}

fn message_files(p: &Project, slug: &str) -> usize {
    p.snapshot(&format!("content/channels/{slug}/messages"))
        .len()
}

fn assert_counts(p: &Project, manifest: &Value) {
    for (name, channel) in manifest["channels"].as_object().unwrap() {
        assert_eq!(
            message_files(p, name) as u64,
            channel["messages"].as_u64().unwrap(),
            "messages of {name}"
        );
    }
}

#[test]
fn backfill_brings_history_and_threads_and_a_second_run_changes_nothing() {
    let (p, slack, manifest) = backfill_setup(300, 3, 7);
    let out = p.ok_env(&["backfill", "--all"], &env(&slack));
    assert_counts(&p, &manifest);
    let total = manifest["counts"]["messages"].as_u64().unwrap();
    assert!(out.contains(&format!("{total} new")), "{out}");
    assert!(out.contains("Backfilled 3 chats"), "{out}");

    // A second backfill asks Slack again and writes nothing.
    let before = p.snapshot("content");
    let out = p.ok_env(&["backfill", "--all"], &env(&slack));
    assert!(out.contains("0 new, 0 updated"), "{out}");
    assert_eq!(p.snapshot("content"), before);

    // The token is in no file scrollback wrote.
    let token = slack.token();
    for tree in ["content", ".scrollback"] {
        for (path, bytes) in p.snapshot(tree) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&token),
                "the token in {tree}/{path}"
            );
        }
    }

    // What Slack got since, and only that: with --since, history starts there.
    let channel = manifest["channels"]["general"]["id"].as_str().unwrap();
    slack.add_message(
        channel,
        json!({"type": "message", "user": "U00000001", "text": "after the gap", "ts": "4102444800.000100"}),
    );
    let out = p.ok_env(
        &["backfill", "general", "--since", "2099-12-31"],
        &env(&slack),
    );
    assert!(out.contains("1 message (1 new"), "{out}");
    assert!(p.exists("content/channels/general/messages/4102444800.000100.json"));
}

/// Slack's 2025 limits for commercially distributed apps: 15 messages a page. The backfill
/// still gets everything, says what the limit means, and a storm of 429s that outlasts its
/// retries stops it where it was: the next run goes on from there.
#[test]
fn a_backfill_stopped_by_a_429_storm_goes_on_from_where_it_stopped() {
    let (p, slack, manifest) = backfill_setup(300, 3, 7);
    slack.set_page_limit(15);
    // The replies of the first thread are refused more often than the client retries.
    slack.rate_limit_after("conversations.replies", 0, 8, 0);
    // From a minute before the oldest message: the history bar measures that span.
    let oldest = (manifest["channels"].as_object().unwrap().values())
        .flat_map(|c| slack.messages(c["id"].as_str().unwrap()))
        .filter_map(|m| m["ts"].as_str()?.split('.').next()?.parse::<i64>().ok())
        .min()
        .unwrap();
    let since = jiff::Timestamp::from_second(oldest - 60)
        .unwrap()
        .to_string();
    let backfill = ["backfill", "--all", "--since", since.as_str()];
    let err = p.fails_env(&backfill, &env(&slack));
    assert!(
        err.contains("keeps rate limiting conversations.replies"),
        "{err}"
    );
    assert!(err.contains("from where it stopped"), "{err}");
    assert!(
        err.contains("1 request a minute"),
        "the limited-app warning: {err}"
    );
    let history_calls = slack.calls("conversations.history");
    assert!(history_calls > 1, "paged by 15");
    // Without a terminal, the history bar is a line per quarter of the chat's time read.
    let shown: Vec<u64> = err
        .lines()
        .filter_map(|l| {
            l.split_once(": history: ")?
                .1
                .strip_suffix('%')?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        !shown.is_empty() && shown.windows(2).all(|w| w[0] < w[1]) && shown[0] < 100,
        "history progress: {err}"
    );

    let out = p.ok_env(&backfill, &env(&slack));
    assert!(out.contains("1 resumed"), "{out}");
    assert_counts(&p, &manifest);

    // Resuming read no page of history twice: both runs together asked for as many pages as
    // one uninterrupted backfill of the same workspace.
    let both_runs = slack.calls("conversations.history");
    let clean = project_following(&slack, &manifest);
    clean.ok_env(&backfill, &env(&slack));
    assert_eq!(
        slack.calls("conversations.history") - both_runs,
        both_runs,
        "history pages of an uninterrupted backfill against the stopped and resumed one"
    );
    assert_eq!(
        clean.snapshot("content/channels"),
        p.snapshot("content/channels")
    );
}

#[test]
fn slack_errors_say_what_to_do_and_change_nothing() {
    let (p, slack, _) = backfill_setup(60, 1, 3);
    let before = p.snapshot("content");

    slack.fail_next("conversations.history", "not_in_channel");
    let err = p.fails_env(&["backfill", "--all"], &env(&slack));
    assert!(err.contains("/invite @your-app"), "{err}");

    slack.fail_next("conversations.history", "missing_scope");
    let err = p.fails_env(&["backfill", "--all"], &env(&slack));
    assert!(
        err.contains("`channels:history`") || err.contains("scope"),
        "{err}"
    );

    let mut wrong = env(&slack);
    for (k, v) in &mut wrong {
        if k == "SLACK_BOT_TOKEN" {
            *v = "xoxb-wrong-token".to_owned();
        }
    }
    let err = p.fails_env(&["backfill", "--all"], &wrong);
    assert!(
        err.contains("invalid_auth") && err.contains("SLACK_BOT_TOKEN"),
        "{err}"
    );
    assert!(
        !err.contains("xoxb-wrong-token"),
        "the token in an error: {err}"
    );

    let no_token: Vec<(String, String)> = env(&slack)
        .into_iter()
        .filter(|(k, _)| k != "SLACK_BOT_TOKEN")
        .collect();
    let err = p.fails_env(&["backfill", "--all"], &no_token);
    assert!(err.contains("no Slack token"), "{err}");
    assert_eq!(p.snapshot("content"), before);
}

#[test]
fn sync_users_and_emoji_fill_content_and_renames_show() {
    let (zip, _) = synthetic_export(60, 1, 3, false);
    let workspace = Workspace::from_export(&zip);
    let users = workspace.users.len();
    let slack = FakeSlack::start(workspace);
    let p = Project::init();
    let out = p.ok_env(&["sync", "users"], &env(&slack));
    assert!(out.contains(&format!("Synced {users} users")), "{out}");
    let user_files = p.snapshot("content/users").len();
    assert!(user_files >= users, "{user_files} user files");

    // A rename shows on the next sync as one update.
    let first = p
        .snapshot("content/users")
        .into_iter()
        .next()
        .map(|(_, bytes)| serde_json::from_slice::<Value>(&bytes).unwrap())
        .unwrap();
    let mut renamed = first.clone();
    renamed["real_name"] = json!("Renamed Person");
    renamed["profile"]["real_name"] = json!("Renamed Person");
    renamed["profile"]["display_name"] = json!("renamed");
    slack.add_user(renamed);
    let out = p.ok_env(&["sync", "users"], &env(&slack));
    assert!(out.contains("0 new, 1 updated"), "{out}");

    slack.add_emoji("partyparrot", &png(4, 4));
    let out = p.ok_env(&["sync", "emoji"], &env(&slack));
    assert!(out.contains("Synced"), "{out}");
    let emoji = p.snapshot("content/emoji");
    assert!(emoji.contains_key("partyparrot.png"), "{:?}", emoji.keys());
    assert_eq!(&emoji["partyparrot.png"][..4], b"\x89PNG");
}

/// `sync users` keeps every user's avatar (once: a second sync asks for none and writes
/// nothing), replaces one whose picture changed, never hands the token to a host that is not
/// Slack's, and the page shows our copies: a browser loading it asks the stand-in serving Slack's
/// avatars for nothing (issue 13, item 3).
#[test]
fn avatars_are_kept_once_and_pages_show_our_copies() {
    let (p, slack, _) = backfill_setup(60, 1, 3);
    p.ok_env(&["backfill", "--all"], &env(&slack));
    // One person's picture on a host that is not the API's (as Gravatar is not Slack's).
    let port = slack.addr().rsplit(':').next().unwrap().to_owned();
    slack.add_user(
        json!({"id": "U0GRAVATAR", "name": "grav", "real_name": "Gra Vatar",
        "profile": {"real_name": "Gra Vatar",
                    "image_72": format!("http://localhost:{port}/avatars/grav_72.png")}}),
    );
    let out = p.ok_env(&["sync", "users"], &env(&slack));
    let kept = p.snapshot("content/users/avatars");
    let users = p
        .snapshot("content/users")
        .keys()
        .filter(|k| k.ends_with(".json"))
        .count();
    assert_eq!(kept.len(), users, "every user has an avatar: {out}");
    assert!(
        out.contains(&format!(
            "Avatars of {users} users: {users} downloaded; {users} new"
        )),
        "{out}"
    );
    for (name, bytes) in &kept {
        assert!(name.starts_with('U') && name.ends_with(".png"), "{name}");
        assert_eq!(&bytes[..4], b"\x89PNG", "{name}");
    }
    assert_eq!(slack.calls("avatars"), users);
    let elsewhere: Vec<_> = slack
        .avatar_requests()
        .into_iter()
        .filter(|(host, _)| host.starts_with("localhost"))
        .collect();
    assert_eq!(
        elsewhere,
        [(format!("localhost:{port}"), false)],
        "no token"
    );

    // Again: nothing asked, nothing written.
    let before = p.snapshot("content");
    let out = p.ok_env(&["sync", "users"], &env(&slack));
    assert!(out.contains("0 downloaded; 0 new, 0 updated"), "{out}");
    assert_eq!(slack.calls("avatars"), users);
    assert_eq!(p.snapshot("content"), before);

    // A new picture replaces the old copy.
    slack.add_user(
        json!({"id": "U0GRAVATAR", "name": "grav", "real_name": "Gra Vatar",
        "profile": {"real_name": "Gra Vatar",
                    "image_72": format!("http://localhost:{port}/avatars/grav_new_72.png")}}),
    );
    let out = p.ok_env(&["sync", "users"], &env(&slack));
    assert!(
        out.contains("1 downloaded; 1 new") && out.contains("1 replaced"),
        "{out}"
    );
    let grav_files: Vec<String> = p
        .snapshot("content/users/avatars")
        .into_keys()
        .filter(|k| k.starts_with("U0GRAVATAR."))
        .collect();
    assert_eq!(grav_files.len(), 1, "{grav_files:?}");

    // The page shows our copies, published beside the re-hosted files.
    p.build();
    let page = p.page("site/general/index.html");
    let srcs = page.attrs("img.avatar", "src");
    assert!(!srcs.is_empty(), "the page shows avatars");
    for src in &srcs {
        let rel = src
            .strip_prefix("../")
            .unwrap_or_else(|| panic!("{src} is not our copy"));
        assert!(rel.starts_with("files/avatars/U"), "{src}");
        assert!(p.exists(&format!("site/{rel}")), "{src} is published");
    }
    let s = Server::start(&p);
    let mut browser = Browser::launch();
    let tab = browser.open(&format!("http://{}/general/", s.addr));
    // A new tab is `about:blank`, complete too, until the page arrives.
    browser.wait_for(
        &tab,
        "location.protocol === 'http:' && document.readyState === 'complete'",
        "the page",
    );
    // Lazy images below the fold load only when scrolled to: load them all, then count.
    browser.eval(
        &tab,
        "document.querySelectorAll('img.avatar').forEach(i => i.loading = 'eager')",
    );
    browser.wait_for(
        &tab,
        &format!(
            "Array.from(document.querySelectorAll('img.avatar')).filter(i => i.complete && i.naturalWidth > 0).length === {}",
            srcs.len()
        ),
        "every avatar loaded",
    );
    let from_slack = browser.eval(
        &tab,
        &format!(
            "performance.getEntriesByType('resource').map(e => e.name).filter(n => {{ \
               const u = new URL(n); \
               return u.port === '{port}' || /(^|\\.)(slack(-edge)?\\.com|gravatar\\.com)$/.test(u.hostname); }})"
        ),
    );
    assert_eq!(from_slack, json!([]), "the page asked Slack");
}

/// The real 2016 export as Slack would serve it today: a project following its channels,
/// backfilled from the fake.
fn backfilled_official() -> (Project, FakeSlack) {
    let workspace = Workspace::from_export(&official_export());
    let channels: Vec<(String, String)> = workspace
        .channels
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let slack = FakeSlack::start(workspace);
    let p = Project::init();
    for (id, name) in &channels {
        p.add_live_chat(id, name, name);
    }
    p.ok_env(&["backfill", "--all"], &env(&slack));
    (p, slack)
}

/// `files` keeps the uploads, the page shows our copies, and a browser loading it asks no
/// Slack host for anything (issue 13, item 3). A token Slack does not accept gets its login
/// page, which is never kept as a file.
#[test]
fn files_are_rehosted_and_the_page_needs_nothing_from_slack() {
    let (p, slack) = backfilled_official();
    let mut wrong = env(&slack);
    for (k, v) in &mut wrong {
        if k == "SLACK_BOT_TOKEN" {
            *v = "xoxb-not-the-token".to_owned();
        }
    }
    let err = p.fails_env(&["files"], &wrong);
    assert!(err.contains("login page"), "{err}");
    assert!(
        p.snapshot("content/files").is_empty(),
        "nothing kept from a login page"
    );

    let out = p.ok_env(&["files"], &env(&slack));
    let kept = p.snapshot("content/files");
    assert!(!kept.is_empty(), "{out}");
    // One folder per upload: the file, its meta.json, an image's thumbnails.
    let uploads: std::collections::BTreeSet<&str> =
        kept.keys().filter_map(|k| k.split('/').next()).collect();
    assert!(
        out.contains(&format!("{} downloaded", uploads.len())),
        "{out}"
    );
    for (path, bytes) in &kept {
        assert!(!bytes.starts_with(b"<!DOCTYPE"), "{path} is a web page");
    }
    // Again: nothing to fetch.
    let calls = slack.calls("files");
    let out = p.ok_env(&["files"], &env(&slack));
    assert!(out.contains("0 downloaded"), "{out}");
    assert_eq!(slack.calls("files"), calls);

    p.build();
    let s = Server::start(&p);
    let mut browser = Browser::launch();
    let mut linked = 0;
    for id in ["enrique", "traveling-sailor"] {
        let page = p.page(&format!("site/{id}/index.html"));
        linked += page
            .attrs("a", "href")
            .iter()
            .filter(|h| h.contains("files/F"))
            .count();
        let tab = browser.open(&format!("http://{}/{id}/", s.addr));
        // Not `about:blank`, which is complete too until the page arrives.
        browser.wait_for(
            &tab,
            "location.protocol === 'http:' && document.readyState === 'complete'",
            "the page",
        );
        // Link previews of other sites (GitHub, Stack Overflow) may load from their hosts;
        // nothing may come from Slack, nor from the stand-in serving Slack's files.
        let from_slack = browser.eval(
            &tab,
            &format!(
                "performance.getEntriesByType('resource').map(e => e.name).filter(n => {{ \
                   const h = new URL(n).host; \
                   return h === '{fake}' || /(^|\\.)slack(-edge)?\\.com$/.test(new URL(n).hostname); }})",
                fake = slack.addr()
            ),
        );
        assert_eq!(from_slack, json!([]), "{id} asked Slack");
    }
    assert!(linked > 0, "the pages link the kept files");
}

/// What Slack sent while `serve` was down reaches the site when it starts again: the live
/// chat's history is read from its newest stored message on, through the journal, so a
/// message already there is not applied twice and an edit made meanwhile lands (issue 13).
#[test]
fn serve_catches_up_with_what_slack_sent_while_it_was_down() {
    let (p, slack, manifest) = backfill_setup(60, 1, 3);
    let channel = manifest["channels"]["general"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.ok_env(&["backfill", "--all"], &env(&slack));
    let stored = message_files(&p, "general");

    // Slack got two messages while serve was not running.
    let now = crate::support::slack::now();
    let (first, second) = (format!("{now}.000100"), format!("{now}.000200"));
    for (ts, text) in [
        (&first, "sent while serve was down"),
        (&second, "and another"),
    ] {
        slack.add_message(
            &channel,
            json!({"type": "message", "user": "U00000001", "text": text, "ts": ts}),
        );
    }
    let s = Server::start_with(&p, &[], &env(&slack));
    wait_until("the missed messages on the site", || {
        let page = s.get("/general/").text();
        page.contains("sent while serve was down") && page.contains("and another")
    });
    assert_eq!(message_files(&p, "general"), stored + 2);
    let log = s.stop();
    assert!(log.contains("caught up with Slack: 2 messages"), "{log}");

    // Down again: one of them is edited meanwhile; started again, the edit lands and nothing
    // is recorded twice.
    slack.edit_message(&channel, &first, "sent while serve was down (corrected)");
    let s = Server::start_with(&p, &[], &env(&slack));
    wait_until("the edit on the site", || {
        s.get("/general/").text().contains("(corrected)")
    });
    assert_eq!(message_files(&p, "general"), stored + 2);
    let log = s.stop();
    assert!(log.contains("caught up with Slack: 1 message "), "{log}");
    let record: Value =
        serde_json::from_str(&p.read(&format!("content/channels/general/messages/{first}.json")))
            .unwrap();
    assert!(
        record.to_string().contains("sent while serve was down\""),
        "the first text kept among the revisions: {record}"
    );
}

/// The backfill benchmark of issue 13 (not a test: run it with `scripts/bench-backfill`):
/// 100,000 messages in one channel, threads included, from the fake with no pacing. Prints
/// messages a second, the binary's peak memory, the requests by method (what bounds a real
/// backfill), then a second backfill's time and how many files it changed.
#[test]
#[ignore = "a benchmark: scripts/bench-backfill"]
fn bench_backfill_100k() {
    let messages: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let (zip, manifest) = synthetic_export(messages, 1, 1, false);
    let slack = FakeSlack::start(Workspace::from_export(&zip));
    let p = Project::init();
    let (name, channel) = manifest["channels"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    p.add_live_chat(channel["id"].as_str().unwrap(), name, name);
    let run = |label: &str| {
        let mut cmd = std::process::Command::new("/usr/bin/time");
        cmd.args(["-f", "%e s wall, %M KB peak"])
            .arg(crate::support::project::BIN)
            .args(["-q", "-C"])
            .arg(p.root())
            .args(["backfill", "--all"]);
        for (k, v) in env(&slack) {
            cmd.env(k, v);
        }
        let started = std::time::Instant::now();
        let out = cmd.output().unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "{label}: {}  ({})",
            String::from_utf8_lossy(&out.stdout).trim(),
            stderr.lines().last().unwrap_or_default()
        );
        seconds
    };
    let first = run("first backfill");
    let stored = message_files(&p, name);
    println!(
        "{stored} messages in {first:.2} s: {:.0} messages/s; requests: conversations.history {}, conversations.replies {}",
        stored as f64 / first,
        slack.calls("conversations.history"),
        slack.calls("conversations.replies")
    );
    let before = p.snapshot("content");
    let second = run("second backfill");
    let after = p.snapshot("content");
    let changed = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .count();
    println!("second backfill: {second:.2} s, {changed} files changed");
}
