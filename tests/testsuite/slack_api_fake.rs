//! The fake of Slack's Web API (support/slack_api.rs) checked on its own: against Slack's
//! official Python client, so the tests of `backfill`, `sync` and `files` run against
//! something a real client accepts, and through plain HTTP for the answers Slack documents
//! (errors, cursors, 429s, the file hosts' login-page trap).

use std::process::Command;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::support::exports::{official_export, synthetic_export};
use crate::support::http::{Response, request};
use crate::support::project::repo;
use crate::support::slack_api::{self, Channel, FakeSlack, Workspace};

const CH: &str = "C0TEST001";

/// One API call with a form body, as slack_sdk and most clients send it.
fn call(slack: &FakeSlack, method: &str, token: Option<&str>, params: &[(&str, &str)]) -> Value {
    let response = post(slack, method, token, params);
    assert_eq!(response.status, 200, "{method}: {}", response.text());
    serde_json::from_slice(&response.body).unwrap()
}

fn post(slack: &FakeSlack, method: &str, token: Option<&str>, params: &[(&str, &str)]) -> Response {
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.replace('%', "%25")
                    .replace('&', "%26")
                    .replace('+', "%2B")
            )
        })
        .collect();
    let mut headers = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    let path = format!("/api/{method}");
    request(
        &slack.addr(),
        "POST",
        &path,
        &headers,
        body.join("&").as_bytes(),
    )
}

/// A call with the valid token.
fn api(slack: &FakeSlack, method: &str, params: &[(&str, &str)]) -> Value {
    call(slack, method, Some(&slack.token()), params)
}

/// A GET of a file URL the fake handed out, with an optional Bearer token.
fn fetch(slack: &FakeSlack, url: &str, token: Option<&str>) -> Response {
    let path = url
        .strip_prefix(&format!("http://{}", slack.addr()))
        .unwrap_or_else(|| panic!("{url} is not on the fake"));
    let headers: Vec<(&str, String)> = token
        .map(|t| ("Authorization", format!("Bearer {t}")))
        .into_iter()
        .collect();
    request(&slack.addr(), "GET", path, &headers, b"")
}

fn msg(ts: &str, text: &str) -> Value {
    json!({"type": "message", "user": "U1", "text": text, "ts": ts})
}

fn reply(ts: &str, parent: &str, text: &str) -> Value {
    json!({"type": "message", "user": "U2", "text": text, "ts": ts, "thread_ts": parent,
           "parent_user_id": "U1"})
}

/// A channel with five top-level messages, a thread of three replies on the second (one
/// broadcast to the channel), and two users.
fn small_workspace() -> Workspace {
    let mut ws = Workspace::default();
    ws.add_channel(CH, "newsroom");
    ws.add_user(json!({"id": "U1", "name": "ana"}));
    ws.add_user(json!({"id": "U2", "name": "ben"}));
    for i in 1..=5 {
        ws.add_message(CH, msg(&format!("170000000{i}.000100"), &format!("m{i}")));
    }
    ws.add_message(CH, reply("1700000002.000200", "1700000002.000100", "r1"));
    let mut broadcast = reply("1700000002.000300", "1700000002.000100", "r2");
    broadcast["subtype"] = json!("thread_broadcast");
    ws.add_message(CH, broadcast);
    ws.add_message(CH, reply("1700000002.000400", "1700000002.000100", "r3"));
    ws
}

fn texts(answer: &Value) -> Vec<&str> {
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect()
}

/// Every page of a method, following next_cursor until it is "".
fn all_pages(slack: &FakeSlack, method: &str, params: &[(&str, &str)]) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    loop {
        let mut with_cursor = params.to_vec();
        if !cursor.is_empty() {
            with_cursor.push(("cursor", &cursor));
        }
        let page = api(slack, method, &with_cursor);
        assert_eq!(page["ok"], true, "{page}");
        let next = page["response_metadata"]["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(page["has_more"] == true, !next.is_empty(), "{page}");
        pages.push(page);
        if next.is_empty() {
            return pages;
        }
        cursor = next;
    }
}

#[test]
fn the_fake_pages_history_and_threads_as_slack_documents() {
    let slack = FakeSlack::start(small_workspace());
    let pages = all_pages(
        &slack,
        "conversations.history",
        &[("channel", CH), ("limit", "2")],
    );
    let read: Vec<Vec<&str>> = pages.iter().map(texts).collect();
    // Newest first; the thread's replies stay in the thread, but for the broadcast.
    assert_eq!(read, [vec!["m5", "m4"], vec!["m3", "r2"], vec!["m2", "m1"]]);
    let parent = &pages[2]["messages"][0];
    assert_eq!(parent["reply_count"], 3);
    assert_eq!(parent["latest_reply"], "1700000002.000400");
    assert_eq!(parent["reply_users"], json!(["U2"]));
    assert_eq!(parent["thread_ts"], "1700000002.000100");

    // Replies: the parent first on every page, then replies oldest first.
    let thread = [("channel", CH), ("ts", "1700000002.000100"), ("limit", "2")];
    let pages = all_pages(&slack, "conversations.replies", &thread);
    let read: Vec<Vec<&str>> = pages.iter().map(texts).collect();
    assert_eq!(read, [vec!["m2", "r1"], vec!["m2", "r2"], vec!["m2", "r3"]]);
    // A reply's ts names its whole thread; a message without replies is a thread of one.
    let by_reply = api(
        &slack,
        "conversations.replies",
        &[("channel", CH), ("ts", "1700000002.000300")],
    );
    assert_eq!(texts(&by_reply), ["m2", "r1", "r2", "r3"]);
    let single = api(
        &slack,
        "conversations.replies",
        &[("channel", CH), ("ts", "1700000004.000100")],
    );
    assert_eq!(texts(&single), ["m4"]);

    // oldest/latest bound the range, exclusively unless inclusive.
    let range = [
        ("channel", CH),
        ("oldest", "1700000002.000100"),
        ("latest", "1700000004.000100"),
    ];
    assert_eq!(
        texts(&api(&slack, "conversations.history", &range)),
        ["m3", "r2"]
    );
    let inclusive = [range.as_slice(), &[("inclusive", "true")]].concat();
    assert_eq!(
        texts(&api(&slack, "conversations.history", &inclusive)),
        ["m4", "m3", "r2", "m2"]
    );

    // The page limit wins over a larger limit; the cursor of a page stays valid.
    slack.set_page_limit(3);
    let first = api(
        &slack,
        "conversations.history",
        &[("channel", CH), ("limit", "100")],
    );
    assert_eq!(texts(&first), ["m5", "m4", "m3"]);
    let cursor = first["response_metadata"]["next_cursor"].as_str().unwrap();
    // Messages Slack got meanwhile do not shift the next page.
    slack.add_message(CH, msg("1700000009.000100", "m9"));
    let next = api(
        &slack,
        "conversations.history",
        &[("channel", CH), ("cursor", cursor)],
    );
    assert_eq!(texts(&next), ["r2", "m2", "m1"]);
    assert_eq!(next["response_metadata"]["next_cursor"], "");
    assert_eq!(next["has_more"], false);
    assert_eq!(slack.calls("conversations.history"), 7);
    assert_eq!(slack.calls("conversations.replies"), 5);
}

#[test]
fn the_fake_answers_errors_as_slack_does() {
    let slack = FakeSlack::start(small_workspace());
    let history = [("channel", CH)];
    let error = |v: Value| v["error"].as_str().unwrap_or("ok").to_owned();
    // Authentication: status 200 and ok:false; the token may also come as a parameter.
    assert_eq!(
        error(call(&slack, "conversations.history", None, &history)),
        "not_authed"
    );
    assert_eq!(
        error(call(
            &slack,
            "conversations.history",
            Some("xoxb-wrong"),
            &history
        )),
        "invalid_auth"
    );
    let token = slack.token();
    let as_param = call(&slack, "auth.test", None, &[("token", &token)]);
    assert_eq!(as_param["user_id"], "UFAKEAPP1");
    assert_eq!(
        error(api(&slack, "conversations.nonsense", &[])),
        "unknown_method"
    );
    // Arguments.
    for (method, params, expected) in [
        (
            "conversations.history",
            vec![("channel", "C0NOPE")],
            "channel_not_found",
        ),
        (
            "conversations.history",
            vec![("channel", CH), ("cursor", "bm90IGEgY3Vyc29y")],
            "invalid_cursor",
        ),
        (
            "conversations.history",
            vec![("channel", CH), ("cursor", "%%%")],
            "invalid_cursor",
        ),
        (
            "conversations.history",
            vec![("channel", CH), ("oldest", "yesterday")],
            "invalid_ts_oldest",
        ),
        (
            "conversations.replies",
            vec![("channel", CH), ("ts", "1600000000.000000")],
            "thread_not_found",
        ),
        (
            "users.list",
            vec![("cursor", "dGVhbTpDMQ==")],
            "invalid_cursor",
        ),
        ("users.info", vec![("user", "U0NOPE")], "user_not_found"),
        ("bots.info", vec![("bot", "B0NOPE")], "bot_not_found"),
        (
            "conversations.create",
            vec![("name", "newsroom")],
            "name_taken",
        ),
        (
            "conversations.create",
            vec![("name", "Has Spaces")],
            "invalid_name_specials",
        ),
        (
            "conversations.invite",
            vec![("channel", CH), ("users", "U0NOPE")],
            "user_not_found",
        ),
        (
            "chat.postMessage",
            vec![("channel", "C0NOPE"), ("text", "hi")],
            "channel_not_found",
        ),
    ] {
        assert_eq!(
            error(api(&slack, method, &params)),
            expected,
            "{method} {params:?}"
        );
    }
    // A channel the bot is not in: it cannot read or post there until it joins.
    let mut ws = small_workspace();
    ws.add_conversation(Channel {
        id: "C0OTHER".into(),
        name: "other".into(),
        ..Channel::default()
    });
    ws.add_conversation(Channel {
        id: "G0SECRET".into(),
        name: "secret".into(),
        is_private: true,
        members: vec!["U1".into()],
        ..Channel::default()
    });
    let slack = FakeSlack::start(ws);
    let hello = [("channel", "C0OTHER"), ("text", "hello")];
    assert_eq!(
        error(api(&slack, "chat.postMessage", &hello)),
        "not_in_channel"
    );
    assert_eq!(
        error(api(
            &slack,
            "conversations.history",
            &[("channel", "C0OTHER")]
        )),
        "not_in_channel"
    );
    assert_eq!(
        error(api(
            &slack,
            "chat.postMessage",
            &[("channel", "G0SECRET"), ("text", "x")]
        )),
        "not_in_channel"
    );
    assert_eq!(
        error(api(
            &slack,
            "conversations.info",
            &[("channel", "G0SECRET")]
        )),
        "channel_not_found"
    );
    assert_eq!(
        error(api(&slack, "conversations.join", &[("channel", "C0OTHER")])),
        "ok"
    );
    assert_eq!(error(api(&slack, "chat.postMessage", &hello)), "ok");
    assert_eq!(
        slack.posted(),
        [json!({"channel": "C0OTHER", "text": "hello"})]
    );
    // Injected: an error once, with the scope Slack names; then a 429 with Retry-After.
    slack.fail_next("users.list", "missing_scope");
    let missing = api(&slack, "users.list", &[]);
    assert_eq!(
        (missing["ok"].clone(), missing["needed"].clone()),
        (json!(false), json!("users:read"))
    );
    assert!(
        missing["provided"]
            .as_str()
            .unwrap()
            .contains("channels:history")
    );
    assert_eq!(
        api(&slack, "users.list", &[])["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    slack.rate_limit("users.list", 1, 7);
    let limited = post(&slack, "users.list", Some(&slack.token()), &[]);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("Retry-After"), Some("7"));
    assert_eq!(
        serde_json::from_slice::<Value>(&limited.body).unwrap()["error"],
        "ratelimited"
    );
    assert_eq!(api(&slack, "users.list", &[])["ok"], true);
    assert_eq!(
        (slack.calls("users.list"), slack.throttled("users.list")),
        (4, 1)
    );
    // What was asked is recorded, without the token.
    let (method, params) = slack.requests().last().cloned().unwrap();
    assert_eq!((method.as_str(), params), ("users.list", Map::new()));
}

#[test]
fn the_fake_creates_invites_posts_and_changes_history_while_running() {
    let slack = FakeSlack::start(small_workspace());
    let created = api(&slack, "conversations.create", &[("name", "sotu-2026")]);
    let id = created["channel"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["channel"]["is_member"], true);
    let invited = api(
        &slack,
        "conversations.invite",
        &[("channel", &id), ("users", "U1,U2")],
    );
    assert_eq!(invited["channel"]["num_members"], 3);
    let again = api(
        &slack,
        "conversations.invite",
        &[("channel", &id), ("users", "U1")],
    );
    assert_eq!(again["error"], "already_in_channel");
    let posted = api(
        &slack,
        "chat.postMessage",
        &[("channel", "#sotu-2026"), ("text", "Intro")],
    );
    assert_eq!(posted["channel"], id.as_str());
    assert_eq!(posted["message"]["bot_id"], "BFAKEAPP1");
    // The joins and the post are in the history, newest first.
    let history = api(&slack, "conversations.history", &[("channel", &id)]);
    assert_eq!(
        texts(&history),
        [
            "Intro",
            "<@U2> has joined the channel",
            "<@U1> has joined the channel"
        ]
    );
    assert_eq!(
        slack.conversation("sotu-2026").unwrap()["members"],
        json!(["UFAKEAPP1", "U1", "U2"])
    );
    let listed = api(&slack, "conversations.list", &[("types", "public_channel")]);
    assert_eq!(listed["channels"].as_array().unwrap().len(), 2);

    // Edits and deletions Slack got while a client was away.
    slack.edit_message(CH, "1700000001.000100", "m1, corrected");
    slack.delete_message(CH, "1700000003.000100");
    slack.delete_message(CH, "1700000002.000100"); // a parent with replies: a tombstone stays
    let history = api(&slack, "conversations.history", &[("channel", CH)]);
    assert_eq!(
        texts(&history),
        [
            "m5",
            "m4",
            "r2",
            "This message was deleted.",
            "m1, corrected"
        ]
    );
    assert_eq!(history["messages"][3]["subtype"], "tombstone");
    assert_eq!(history["messages"][3]["reply_count"], 3);
    assert!(history["messages"][4]["edited"]["ts"].is_string());
}

#[test]
fn the_fake_serves_files_only_with_a_token_and_answers_others_with_a_login_page() {
    let mut ws = small_workspace();
    let png = ws.add_file(
        "F0PNG",
        "chart one.png",
        "image/png",
        slack_api::png(40, 30),
    );
    assert_eq!(
        (png["original_w"].clone(), png["thumb_360_h"].clone()),
        (json!(40), json!(30))
    );
    let pdf = ws.add_file(
        "F0PDF",
        "report.pdf",
        "application/pdf",
        b"%PDF-1.4 fake".to_vec(),
    );
    ws.add_message(
        CH,
        json!({"type": "message", "user": "U1", "ts": "1700000010.000100",
                               "text": "", "files": [png, pdf]}),
    );
    let slack = FakeSlack::start(ws);
    let history = api(
        &slack,
        "conversations.history",
        &[("channel", CH), ("limit", "1")],
    );
    let files = history["messages"][0]["files"].clone();
    let url = files[1]["url_private"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{}/files-pri/", slack.addr())),
        "{url}"
    );

    let token = slack.token();
    let ok = fetch(&slack, url, Some(&token));
    assert_eq!(
        (ok.status, ok.header("Content-Type")),
        (200, Some("application/pdf"))
    );
    assert_eq!(ok.body, b"%PDF-1.4 fake");
    let download = files[1]["url_private_download"].as_str().unwrap();
    let attachment = fetch(&slack, download, Some(&token));
    assert!(
        attachment
            .header("Content-Disposition")
            .unwrap()
            .contains("report.pdf")
    );
    // Slack's trap: no or a wrong token gets a login page, with status 200.
    for wrong in [None, Some("xoxb-wrong")] {
        let trap = fetch(&slack, url, wrong);
        assert_eq!(trap.status, 200);
        assert!(
            trap.header("Content-Type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            trap.text().starts_with("<!DOCTYPE html>") && trap.text().contains("Sign in to Slack")
        );
    }
    // An export's URL carries its own token.
    let export_url = slack.export_file_url("F0PDF");
    assert!(export_url.ends_with(&format!("?t={}", slack.export_file_token())));
    assert_eq!(fetch(&slack, &export_url, None).body, b"%PDF-1.4 fake");
    // Thumbnails are private too; deleted files are gone.
    let thumb = fetch(
        &slack,
        files[0]["thumb_360"].as_str().unwrap(),
        Some(&token),
    );
    assert_eq!(thumb.header("Content-Type"), Some("image/png"));
    assert_eq!(thumb.body, slack_api::png(40, 30));
    slack.delete_file("F0PDF");
    assert_eq!(fetch(&slack, url, Some(&token)).status, 404);
    let history = api(
        &slack,
        "conversations.history",
        &[("channel", CH), ("limit", "1")],
    );
    assert_eq!(
        history["messages"][0]["files"][1],
        json!({"id": "F0PDF", "mode": "tombstone"})
    );
    assert_eq!(slack.calls("files"), 7);
}

#[test]
fn an_official_export_is_served_with_its_files_on_the_fake() {
    let slack = FakeSlack::start(Workspace::from_export(&official_export()));
    let listed = api(&slack, "conversations.list", &[]);
    let names: Vec<&str> = listed["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["enrique", "traveling-sailor"]);
    // The files were shared in traveling-sailor, as `file_share` messages with a "file".
    let id = listed["channels"][1]["id"].as_str().unwrap().to_owned();
    let history = api(
        &slack,
        "conversations.history",
        &[("channel", &id), ("limit", "1000")],
    );
    let raw = history.to_string();
    // No file token and no Slack file host left in what the API answers.
    assert!(!raw.contains("xoxe-") && !raw.contains("files.slack.com"));
    let shared: Vec<&Value> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.get("file"))
        .collect();
    assert_eq!(shared.len(), 4);
    let file = shared[0];
    let got = fetch(
        &slack,
        file["url_private"].as_str().unwrap(),
        Some(&slack.token()),
    );
    assert_eq!(got.status, 200);
    assert_eq!(Some(got.body.len() as u64), file["size"].as_u64());
    // Its bots are known by id, from what their messages carry.
    let bot = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| m["bot_id"].as_str())
        .expect("the export has bot messages");
    assert_eq!(api(&slack, "bots.info", &[("bot", bot)])["ok"], true);
}

/// Slack's own client, driven against the fake: its pagination (with a page limit of 15, the
/// commercial non-Marketplace limit) and its 429 retry must read exactly what the export
/// generator wrote, and a download with its token gets the file, a wrong token the trap.
#[test]
fn slack_sdk_reads_a_whole_workspace_from_the_fake() {
    let Some(python) = crate::support::slack::python_with_slack_sdk() else {
        return;
    };
    let (zip, manifest) = synthetic_export(300, 3, 7, false);
    let mut ws = Workspace::from_export(&zip);
    ws.add_emoji("partyparrot", &[1, 2, 3]);
    ws.add_emoji_alias("parrot", "partyparrot");
    let expected_users = ws.users.len();
    let slack = FakeSlack::start(ws.clone());
    slack.set_page_limit(15);
    // Mid-way through the history, and once in the threads.
    slack.rate_limit_after("conversations.history", 5, 1, 1);
    slack.rate_limit_after("conversations.replies", 3, 1, 1);
    let out = Command::new(&python)
        .arg(repo().join("tests/testsuite/slack_api_fake.py"))
        .args([slack.api_url(), slack.token(), "200".into()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(slack.throttled("conversations.history"), 1);
    assert_eq!(slack.throttled("conversations.replies"), 1);
    assert_eq!(
        read["max_page"], 15,
        "the page limit holds whatever limit asks"
    );
    assert_eq!(read["reply_count_mismatches"], json!([]));
    let counts = &manifest["counts"];
    let (mut top, mut replies) = (0, 0);
    for (name, channel) in manifest["channels"].as_object().unwrap() {
        let got = &read["channels"][name];
        assert_eq!(
            got["top"].as_u64().unwrap() + got["replies"].as_u64().unwrap(),
            channel["messages"].as_u64().unwrap(),
            "{name}: {got}"
        );
        top += got["top"].as_u64().unwrap();
        replies += got["replies"].as_u64().unwrap();
    }
    let generated_top =
        counts["top_level"].as_u64().unwrap() + counts["subtyped"].as_u64().unwrap();
    assert_eq!(
        (top, replies),
        (generated_top, counts["replies"].as_u64().unwrap())
    );
    assert_eq!(read["users"], expected_users);
    let emoji = &read["emoji"];
    assert_eq!(emoji["parrot"], "alias:partyparrot");
    assert!(
        emoji["partyparrot"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/emoji/", slack.addr()))
    );

    let download = &read["download"];
    let file = ws.file(download["id"].as_str().unwrap()).unwrap();
    assert_eq!(download["status"], 200);
    assert_eq!(download["content_type"], file.mimetype.as_str());
    assert_eq!(download["sha256"], hex::encode(Sha256::digest(&file.bytes)));
    assert_eq!(
        read["trap"],
        json!({"status": 200, "content_type": "text/html; charset=utf-8",
                                    "login_page": true})
    );
    eprintln!(
        "slack_sdk read {top} top-level messages and {replies} replies in {} pages \
         ({} history, {} replies calls, one 429 each)",
        read["pages"],
        slack.calls("conversations.history"),
        slack.calls("conversations.replies")
    );
}
