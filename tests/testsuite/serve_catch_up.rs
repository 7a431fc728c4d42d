//! What `serve` catches up with from Slack's history after an outage, through the real binary
//! against the fake Web API (support/slack_api.rs): deletions, edits of old messages, replies
//! to old threads, and a catch-up right after Slack retries an event (issue 13). The simple
//! case (messages sent while serve was down) is in `slack_web_api`.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack::{message, now};
use crate::support::slack_api::{FakeSlack, Workspace};
use crate::support::wait::wait_until;

const DESK: &str = "C0DESK";

/// The fake's environment, without tier pacing (a stand-in answers at once).
fn env(slack: &FakeSlack) -> Vec<(String, String)> {
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".to_owned(), "off".to_owned()));
    env
}

fn said(ts: &str, text: &str) -> Value {
    json!({"type": "message", "user": "U0EDITOR", "text": text, "ts": ts})
}

fn replied(ts: &str, parent: &str, text: &str) -> Value {
    json!({"type": "message", "user": "U0EDITOR", "text": text, "ts": ts, "thread_ts": parent})
}

/// A live chat `desk` backfilled from Slack: an old message and an old thread of two replies
/// (three days back), then three messages of the last ten minutes. Returns the timestamps by
/// name.
fn desk_chat() -> (Project, FakeSlack, HashMap<&'static str, String>) {
    let now = now();
    let at = |secs_ago: i64| format!("{}.000100", now - secs_ago);
    let days = 3 * 24 * 3600;
    let ts: HashMap<&str, String> = [
        ("old", at(days)),
        ("parent", at(days - 60)),
        ("reply1", at(days - 120)),
        ("reply2", at(days - 180)),
        ("doomed", at(600)),
        ("kept", at(500)),
        ("newest", at(400)),
    ]
    .into_iter()
    .collect();
    let mut workspace = Workspace::default();
    workspace.add_channel(DESK, "desk");
    workspace.add_user(json!({"id": "U0EDITOR", "name": "ada", "real_name": "Ada Editor"}));
    for (name, text) in [
        ("old", "an old message"),
        ("parent", "an old thread"),
        ("doomed", "a message deleted while serve was down"),
        ("kept", "a message that stays"),
        ("newest", "the newest message before the outage"),
    ] {
        workspace.add_message(DESK, said(&ts[name], text));
    }
    for (name, text) in [
        ("reply1", "the first reply"),
        ("reply2", "the second reply"),
    ] {
        workspace.add_message(DESK, replied(&ts[name], &ts["parent"], text));
    }
    let slack = FakeSlack::start(workspace);
    let p = Project::init();
    p.add_live_chat(DESK, "desk", "Desk");
    p.ok_env(&["backfill", "desk"], &env(&slack));
    (p, slack, ts)
}

fn record(p: &Project, ts: &str) -> Option<Value> {
    let path = format!("content/channels/desk/messages/{ts}.json");
    p.exists(&path)
        .then(|| serde_json::from_str(&p.read(&path)).unwrap())
}

fn is_deleted(p: &Project, ts: &str) -> bool {
    record(p, ts).is_some_and(|r| r["deleted"] == true)
}

fn text_of(p: &Project, ts: &str) -> String {
    record(p, ts)
        .and_then(|r| r["slack"]["text"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn deleted_count(p: &Project) -> usize {
    p.snapshot("content/channels/desk/messages")
        .values()
        .filter(|bytes| serde_json::from_slice::<Value>(bytes).unwrap()["deleted"] == true)
        .count()
}

/// While `serve` was down, a recent message and a reply of an old thread were deleted, a
/// message three days old was edited, and the old thread got a new reply: all of it lands
/// when serve starts again, through the journal, and nothing else is touched. A second start
/// finds nothing more.
#[test]
fn serve_applies_what_an_outage_deleted_edited_and_replied_in_old_threads() {
    let (p, slack, ts) = desk_chat();
    let late = format!("{}.000100", now() - 60);
    slack.delete_message(DESK, &ts["doomed"]);
    slack.delete_message(DESK, &ts["reply1"]);
    slack.edit_message(DESK, &ts["old"], "an old message (corrected)");
    slack.add_message(
        DESK,
        replied(&late, &ts["parent"], "a late reply to an old thread"),
    );

    let s = Server::start_with(&p, &[], &env(&slack));
    wait_until("the outage's changes in content/", || {
        is_deleted(&p, &ts["doomed"])
            && is_deleted(&p, &ts["reply1"])
            && text_of(&p, &ts["old"]) == "an old message (corrected)"
            && record(&p, &late).is_some()
    });
    wait_until("the outage's changes on the site", || {
        let page = s.get("/desk/").text();
        page.contains("a late reply to an old thread")
            && page.contains("an old message (corrected)")
            && !page.contains("a message deleted while serve was down")
            && !page.contains("the first reply")
    });
    assert_eq!(deleted_count(&p), 2, "only what Slack deleted");
    assert!(!is_deleted(&p, &ts["reply2"]) && !is_deleted(&p, &ts["kept"]));
    let record_old = record(&p, &ts["old"]).unwrap();
    assert_eq!(
        record_old["revisions"][0]["text"], "an old message",
        "the first text kept among the revisions"
    );
    let log = s.stop();
    assert!(
        log.contains("caught up with Slack: 2 messages the live chats lacked, 2 deleted in Slack"),
        "{log}"
    );

    let before = p.snapshot("content");
    let s = Server::start_with(&p, &[], &env(&slack));
    wait_until("the start-up round", || {
        s.log().contains("caught up with Slack")
    });
    let log = s.stop();
    assert!(
        log.contains("caught up with Slack: nothing missed"),
        "{log}"
    );
    assert_eq!(
        p.snapshot("content"),
        before,
        "a second start changes nothing"
    );
}

/// Slack retrying an event (`X-Slack-Retry-Num`, reason `http_timeout`) means others may be
/// lost: serve compares the live chats with Slack at once, not at its next round minutes away.
/// And a thread whose reading failed is not judged: its deleted reply is applied only by a
/// round that read it.
#[test]
fn a_retried_event_catches_up_at_once_and_a_failed_read_judges_nothing() {
    let (p, slack, ts) = desk_chat();
    slack.delete_message(DESK, &ts["reply2"]);
    slack.fail_next("conversations.replies", "internal_error");
    let s = Server::start_with(&p, &[], &env(&slack));
    wait_until("the start-up round", || {
        s.log().contains("caught up with Slack")
    });
    let log = s.log();
    assert!(
        log.contains("cannot catch up `desk` with Slack's history"),
        "{log}"
    );
    assert!(!is_deleted(&p, &ts["reply2"]), "judged from a failed read");

    // Slack got a message serve never heard of, then retries another one.
    let missed = format!("{}.000100", now() - 30);
    slack.add_message(DESK, said(&missed, "lost in a timeout"));
    let retried = format!("{}.000200", now() - 20);
    slack.add_message(DESK, said(&retried, "retried by Slack"));
    let history_reads = slack.calls("conversations.history");
    let body = message("EvRetried1", DESK, &retried, "U0EDITOR", "retried by Slack").to_string();
    let headers = [
        ("X-Slack-Retry-Num", "1".to_owned()),
        ("X-Slack-Retry-Reason", "http_timeout".to_owned()),
    ];
    assert_eq!(s.post_raw(body.as_bytes(), &headers).status, 200);
    wait_until("the missed message and the deleted reply", || {
        record(&p, &missed).is_some() && is_deleted(&p, &ts["reply2"])
    });
    assert!(slack.calls("conversations.history") > history_reads);
    wait_until("the missed message on the site", || {
        s.get("/desk/").text().contains("lost in a timeout")
    });
    let log = s.stop();
    assert!(
        log.contains("Slack retried event EvRetried1 (retry 1: http_timeout)"),
        "{log}"
    );
    assert_eq!(deleted_count(&p), 1);
}
