//! `scrollback serve` through the real binary: signed Slack events in, `content/` and `site/` out.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::http::request;
use crate::support::process::Process;
use crate::support::project::{NO_ENV, Project, feed_messages, scrollback};
use crate::support::server::{SECRET, Server, post_signed};
use crate::support::slack::{callback, delete, edit, message, now, reaction, reply, sign};
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";

/// A project with one live chat `live` for conversation [`CH`].
fn live_project() -> Project {
    let p = Project::init();
    p.add_live_chat(CH, "live", "Live test");
    p
}

fn feed_of(p: &Project, slug: &str) -> Option<Value> {
    let text = std::fs::read_to_string(p.path(&format!("site/{slug}/feed.json"))).ok()?;
    serde_json::from_str(&text).ok()
}

fn texts(p: &Project) -> Vec<(String, String)> {
    feed_of(p, "live")
        .map(|f| feed_messages(&f))
        .unwrap_or_default()
}

fn top<'a>(feed: &'a Value, ts: &str) -> Option<&'a Value> {
    feed["messages"].as_array()?.iter().find(|m| m["ts"] == ts)
}

/// `site/live/live.json` (written after `feed.json` in the same build: wait on it separately).
fn live_feed(p: &Project) -> Value {
    std::fs::read_to_string(p.path("site/live/live.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn record(p: &Project, ts: &str) -> Value {
    serde_json::from_str(&p.read(&format!("content/channels/live/messages/{ts}.json"))).unwrap()
}

#[test]
fn events_become_messages_edits_deletions_threads_reactions_and_renames() {
    let p = live_project();
    let s = Server::start(&p);
    let t1 = "1700000001.000100";
    let t2 = "1700000002.000100";
    let events = [
        message("Ev01", CH, t1, "U1", "first"),
        message("Ev02", CH, t2, "U1", "second"),
        edit(
            "Ev03",
            CH,
            t1,
            "first, edited",
            "1700000010.000000",
            Some("first"),
        ),
        delete("Ev04", CH, t2, "1700000011.000000"),
        reply("Ev05", CH, "1700000003.000100", t1, "a reply"),
        callback(
            "Ev06",
            json!({"type": "message", "subtype": "thread_broadcast", "channel": CH, "user": "U2",
                   "text": "a broadcast reply", "ts": "1700000004.000100", "thread_ts": t1,
                   "event_ts": "1700000004.000100"}),
        ),
        reaction("Ev07", CH, t1, "tada", "U2", true, "1700000012.000000"),
        callback(
            "Ev08",
            json!({"type": "message", "subtype": "bot_message", "channel": CH, "bot_id": "B1",
                   "username": "newsbot", "text": "bot says", "ts": "1700000005.000100"}),
        ),
        callback(
            "Ev09",
            json!({"type": "message", "subtype": "me_message", "channel": CH, "user": "U1",
                   "text": "waves", "ts": "1700000006.000100"}),
        ),
        callback(
            "Ev10",
            json!({"type": "message", "subtype": "file_share", "channel": CH, "user": "U1",
                   "text": "a chart", "ts": "1700000007.000100",
                   "files": [{"id": "F1", "name": "chart.png", "title": "Chart", "mimetype": "image/png",
                              "filetype": "png", "pretty_type": "PNG", "size": 1234,
                              "url_private": "https://files.slack.com/files-pri/T1-F1/chart.png?t=xoxe-secret"}]}),
        ),
        callback(
            "Ev11",
            json!({"type": "channel_rename", "channel": {"id": CH, "name": "live-renamed", "created": 1700000000},
                   "event_ts": "1700000013.000000"}),
        ),
        callback(
            "Ev12",
            json!({"type": "user_change", "user": {"id": "U1", "name": "ana",
                   "profile": {"display_name": "Ana Reporter", "real_name": "Ana R"}}}),
        ),
        message("Ev13", "C9OTHER", "1700000008.000100", "U1", "elsewhere"),
        callback(
            "Ev14",
            json!({"type": "app_mention", "channel": CH, "ts": "1.000000"}),
        ),
    ];
    for e in &events {
        assert_eq!(s.post(e), 200, "{e}\n{}", s.log());
    }
    wait_until("every event in feed.json", || {
        let Some(feed) = feed_of(&p, "live") else {
            return false;
        };
        top(&feed, t1).is_some_and(|m| {
            m["user"]["name"] == "Ana Reporter"
                && m["reactions"].as_array().is_some_and(|r| !r.is_empty())
                && m["thread"].as_array().is_some_and(|t| t.len() == 2)
        }) && top(&feed, "1700000007.000100").is_some()
    });
    let feed = feed_of(&p, "live").unwrap();
    assert_eq!(
        texts(&p),
        [
            (t1, "first, edited"),
            ("1700000003.000100", "a reply"),
            ("1700000004.000100", "a broadcast reply"),
            ("1700000004.000100", "a broadcast reply"),
            ("1700000005.000100", "bot says"),
            ("1700000006.000100", "waves"),
            ("1700000007.000100", "a chart"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let first = top(&feed, t1).unwrap();
    assert_eq!(first["edited"], "1700000010.000000");
    assert_eq!(
        first["reactions"][0],
        json!({"name": "tada", "emoji": first["reactions"][0]["emoji"], "image": null, "count": 1, "users": ["U2"]})
    );
    assert_eq!(
        top(&feed, "1700000005.000100").unwrap()["subtype"],
        "bot_message"
    );
    assert_eq!(
        top(&feed, "1700000006.000100").unwrap()["subtype"],
        "me_message"
    );
    assert_eq!(
        top(&feed, "1700000007.000100").unwrap()["files"][0]["name"],
        "chart.png"
    );

    // The content tree: the edit kept the earlier text, the deletion kept the file.
    let r1 = record(&p, t1);
    assert_eq!(r1["revisions"][0]["text"], "first");
    assert_eq!(record(&p, t2)["deleted"], true);
    assert!(
        !p.read("content/channels/live/messages/1700000007.000100.json")
            .contains("xoxe"),
        "tokens are stripped"
    );
    let settings = p.read("content/channels/live/channel.toml");
    assert!(settings.contains("name = \"live-renamed\""), "{settings}");
    assert!(settings.contains("headline = \"Live test\""), "{settings}");
    assert!(p.read("content/users/U1.json").contains("Ana Reporter"));
    // Untracked conversations and unknown events change nothing.
    assert_eq!(p.count_files("content/channels", "channel.toml"), 1);
    assert!(!texts(&p).iter().any(|(_, t)| t == "elsewhere"));

    // The live feed: small, with what was removed.
    wait_until("live.json with every message", || {
        live_feed(&p)["messages"]
            .as_array()
            .is_some_and(|m| m.len() == 5)
    });
    let live = live_feed(&p);
    assert_eq!(live["removed"], json!([t2]));
    assert_eq!(live["messages"].as_array().unwrap().len(), 5);
    wait_until("live.jsonp like live.json", || {
        std::fs::read_to_string(p.path("site/live/live.jsonp"))
            .is_ok_and(|j| j.contains("1700000007.000100"))
    });
    let jsonp = p.read("site/live/live.jsonp");
    assert!(jsonp.starts_with("scrollbackLive({"), "{jsonp}");
    // The page follows the chat with the live script.
    let page = p.page("site/live/index.html");
    assert_eq!(
        page.attrs("script", "src"),
        [format!("../{}", p.fingerprinted("assets/live.js"))]
    );
    assert_eq!(page.count(".live-follow[data-json='live.json']"), 1);
    s.stop();
}

#[test]
fn out_of_order_events_lose_nothing_and_resurrect_nothing() {
    let p = live_project();
    let s = Server::start(&p);
    let (t1, t2, t3) = (
        "1700000001.000100",
        "1700000002.000100",
        "1700000003.000100",
    );
    for e in [
        // An edit before its message, then the message.
        edit("Ev1", CH, t1, "v2", "1700000020.000000", Some("v1")),
        message("Ev2", CH, t1, "U1", "v1"),
        // A deletion before its message, then the message.
        delete("Ev3", CH, t2, "1700000021.000000"),
        message("Ev4", CH, t2, "U1", "should never appear"),
        // A reaction before its message, then the message.
        reaction("Ev5", CH, t3, "fire", "U2", true, "1700000022.000000"),
        message("Ev6", CH, t3, "U1", "reacted to"),
        // An older edit arriving after a newer one.
        edit("Ev7", CH, t1, "v1.5", "1700000015.000000", None),
    ] {
        assert_eq!(s.post(&e), 200);
    }
    wait_until("the reaction applied once its message arrived", || {
        feed_of(&p, "live")
            .and_then(|f| top(&f, t3).map(|m| m["reactions"].as_array().map_or(0, Vec::len)))
            == Some(1)
    });
    wait_until("all seven events applied", || {
        s.health()["events_applied"].as_u64() == Some(7)
    });
    assert_eq!(
        texts(&p),
        [(t1, "v2"), (t3, "reacted to")].map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let r1 = record(&p, t1);
    let revisions: Vec<&str> = r1["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(revisions, ["v1", "v1.5"]);
    assert_eq!(record(&p, t2)["deleted"], true);
    assert!(
        !p.snapshot("site")
            .values()
            .any(|b| String::from_utf8_lossy(b).contains("should never appear"))
    );
}

#[test]
fn the_comment_tag_unpublishes_and_republishes_on_every_version() {
    let p = live_project();
    let s = Server::start(&p);
    let t1 = "1700000001.000100";
    let shown = |p: &Project| texts(p).iter().any(|(ts, _)| ts == t1);
    s.post(&message("Ev1", CH, t1, "U1", "visible"));
    s.post(&message("Ev2", CH, "1700000002.000100", "U1", "another"));
    wait_until("the message", || shown(&p));
    s.post(&edit(
        "Ev3",
        CH,
        t1,
        "&lt;#&gt; for editors now",
        "1700000010.000000",
        None,
    ));
    wait_until("the comment-tagged message to go", || {
        !shown(&p) && texts(&p).len() == 1
    });
    wait_until("live.json to list it as removed", || {
        live_feed(&p)["removed"] == json!([t1])
    });
    assert!(!p.read("site/live/index.html").contains("for editors"));
    s.post(&edit(
        "Ev4",
        CH,
        t1,
        "visible again",
        "1700000011.000000",
        None,
    ));
    wait_until("the message back", || {
        texts(&p).contains(&(t1.to_owned(), "visible again".to_owned()))
    });
    wait_until("live.json to list nothing removed", || {
        live_feed(&p)["removed"] == json!([])
    });
}

#[test]
fn bad_requests_are_refused_with_the_right_status_and_change_nothing() {
    let p = live_project();
    let s = Server::start(&p);
    let good = message("Ev1", CH, "1700000001.000100", "U1", "hello").to_string();
    let ts = now().to_string();
    let raw = |headers: Vec<(&str, String)>, body: &[u8]| {
        request(&s.addr, "POST", "/slack/events", &headers, body).status
    };
    // Unsigned, wrongly signed, stale, signed for another body.
    assert_eq!(raw(vec![], good.as_bytes()), 401);
    assert_eq!(
        raw(
            vec![
                ("X-Slack-Request-Timestamp", ts.clone()),
                (
                    "X-Slack-Signature",
                    sign("another secret", &ts, good.as_bytes())
                )
            ],
            good.as_bytes()
        ),
        401
    );
    let old = (now() - 301).to_string();
    assert_eq!(
        raw(
            vec![
                ("X-Slack-Request-Timestamp", old.clone()),
                ("X-Slack-Signature", sign(SECRET, &old, good.as_bytes()))
            ],
            good.as_bytes()
        ),
        401
    );
    assert_eq!(
        raw(
            vec![
                ("X-Slack-Request-Timestamp", ts.clone()),
                ("X-Slack-Signature", sign(SECRET, &ts, b"{}"))
            ],
            good.as_bytes()
        ),
        401
    );
    // Signed but unusable.
    assert_eq!(s.post_raw(b"{not json", &[]).status, 400);
    assert_eq!(s.post_raw(b"[1, 2]", &[]).status, 400);
    assert_eq!(
        s.post(&json!({"type": "event_callback", "event_id": "Ev2"})),
        400
    );
    assert_eq!(
        s.post(&callback(
            "Ev3",
            json!({"type": "message", "channel": CH, "text": "no ts"})
        )),
        400
    );
    assert_eq!(
        s.post(&callback(
            "Ev4",
            json!({"type": "reaction_added", "user": "U1", "reaction": "x"})
        )),
        400
    );
    assert_eq!(
        s.post(&callback(
            "Ev../5",
            json!({"type": "message", "channel": CH, "ts": "1.000001"})
        )),
        400
    );
    assert_eq!(
        s.post(&message("Ev6", CH, "../../etc/passwd", "U1", "hostile ts")),
        400
    );
    let huge = vec![b' '; 2 << 20];
    assert_eq!(s.post_raw(&huge, &[]).status, 413);
    // Valid, but nothing to do.
    assert_eq!(s.post(&json!({"type": "something_new"})), 200);
    assert_eq!(
        s.post(&message(
            "Ev7",
            "C0UNKNOWN",
            "1700000001.000100",
            "U1",
            "untracked"
        )),
        200
    );
    let challenge = s.post_raw(
        json!({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV"})
            .to_string()
            .as_bytes(),
        &[],
    );
    assert_eq!(challenge.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&challenge.body).unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV"
    );
    assert_eq!(s.get("/healthz").status, 200);
    // Nothing reached the content tree, and the server still works.
    wait_until("the untracked event applied (as nothing)", || {
        s.health()["events_applied"].as_u64() == Some(1)
    });
    assert_eq!(p.count_files("content/channels/live/messages", ".json"), 0);
    assert_eq!(
        s.post(&json!(serde_json::from_str::<Value>(&good).unwrap())),
        200
    );
    wait_until("the good event", || texts(&p).len() == 1);
    let log = s.log();
    for line in [
        "refused an unverified request",
        "more than 5 minutes",
        "does not match",
        "not JSON",
        "has no `ts`",
        "body is over",
    ] {
        assert!(log.contains(line), "no log line with {line:?}:\n{log}");
    }
}

#[test]
fn acknowledged_events_survive_kill_9() {
    let p = live_project();
    let s = Server::start(&p);
    for i in 0..25 {
        let ts = format!("17000000{:02}.000100", i + 10);
        let status = s.post(&message(
            &format!("EvK{i}"),
            CH,
            &ts,
            "U1",
            &format!("message {i}"),
        ));
        assert_eq!(status, 200);
    }
    // Killed right after the last acknowledgement: whatever was not applied is in the journal.
    s.kill9();
    let s = Server::start(&p);
    wait_until("all 25 acknowledged events after the restart", || {
        texts(&p).len() == 25
    });
    s.stop();
}

#[test]
fn retries_are_deduplicated_across_a_restart() {
    let p = live_project();
    let s = Server::start(&p);
    let t1 = "1700000001.000100";
    let added = reaction("EvR2", CH, t1, "tada", "U2", true, "1700000010.000000");
    s.post(&message("EvR1", CH, t1, "U1", "hello"));
    s.post(&added);
    s.post(&reaction(
        "EvR3",
        CH,
        t1,
        "tada",
        "U2",
        false,
        "1700000011.000000",
    ));
    wait_until("three events applied", || {
        s.health()["events_applied"].as_u64() == Some(3)
    });
    let first_log = s.kill9();
    let s = Server::start(&p);
    // Slack retries the reaction it thinks failed: applying it again would bring it back.
    let retry = s.post_raw(
        added.to_string().as_bytes(),
        &[
            ("X-Slack-Retry-Num", "1".to_owned()),
            ("X-Slack-Retry-Reason", "http_timeout".to_owned()),
        ],
    );
    assert_eq!(retry.status, 200);
    s.post(&message("EvR4", CH, "1700000002.000100", "U1", "after"));
    wait_until("the next event", || texts(&p).len() == 2);
    let feed = feed_of(&p, "live").unwrap();
    assert_eq!(
        top(&feed, t1).unwrap()["reactions"],
        json!([]),
        "{}\n{}",
        first_log,
        s.log()
    );
    assert!(s.log().contains("already recorded"), "{}", s.log());
    let journal = p.read(".scrollback/events/journal.jsonl");
    let recorded = journal.lines().filter(|l| l.contains("\"EvR2\"")).count();
    assert_eq!(recorded, 1, "{journal}");
}

#[test]
fn a_burst_of_events_is_one_build() {
    let p = live_project();
    let s = Server::start(&p);
    let before = s.builds();
    let addr = s.addr.clone();
    let threads: Vec<_> = (0..10)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let body = message(
                    &format!("EvB{i}"),
                    CH,
                    &format!("17000000{:02}.000100", i + 10),
                    "U1",
                    &format!("burst {i}"),
                )
                .to_string();
                post_signed(&addr, body.as_bytes()).unwrap().status
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    wait_until("the burst published", || texts(&p).len() == 10);
    wait_until("the build counted", || s.builds() > before);
    let builds = s.builds() - before;
    // One round takes everything queued; on a loaded machine the tail may make a second.
    assert!(builds <= 2, "{builds} builds for a burst of 10 events");
}

#[test]
fn draft_live_archived() {
    let p = Project::init();
    let err = p.fails(&[
        "channel",
        "add",
        "not-an-id",
        "--slug",
        "x",
        "--headline",
        "X",
    ]);
    assert!(err.contains("not a Slack conversation id"), "{err}");
    p.ok(&[
        "channel",
        "add",
        "C2PREP",
        "--slug",
        "prep",
        "--headline",
        "Prepared",
        "--draft",
    ]);
    let err = p.fails(&[
        "channel",
        "add",
        "C2PREP",
        "--slug",
        "other",
        "--headline",
        "X",
    ]);
    assert!(err.contains("already the chat `prep`"), "{err}");
    assert!(
        p.read("content/channels/prep/channel.toml")
            .contains("state = \"draft\"")
    );
    p.build();
    assert!(!p.exists("site/prep"));

    let settings = p.read("content/channels/prep/channel.toml");
    p.write(
        "content/channels/prep/channel.toml",
        &settings.replace(
            "closing_note = \"\"",
            "closing_note = \"Thanks for *reading*.\"",
        ),
    );
    p.ok(&["publish", "prep"]);
    assert!(
        p.read("content/channels/prep/channel.toml")
            .contains("state = \"live\"")
    );
    p.build();
    assert!(p.exists("site/prep/live.json") && p.exists("site/prep/live.jsonp"));
    let page = p.page("site/prep/index.html");
    assert_eq!(
        page.attrs("script", "src"),
        [format!("../{}", p.fingerprinted("assets/live.js"))]
    );
    assert_eq!(
        page.count(".closing-note"),
        0,
        "the closing note waits for the end"
    );

    // Archived while `serve` runs: it notices, and the page becomes a permanent article.
    let s = Server::start(&p);
    p.ok(&["archive", "prep"]);
    wait_until("the live feed to go", || !p.exists("site/prep/live.json"));
    let page = p.page("site/prep/index.html");
    assert_eq!(page.count("script:not([type='application/ld+json'])"), 0);
    assert_eq!(page.count(".live-follow"), 0);
    assert_eq!(page.text(".closing-note em"), "reading");
    assert_eq!(page.count("meta[property='og:title']"), 1);
    assert_eq!(feed_of(&p, "prep").unwrap()["channel"]["state"], "archived");
    let settings = p.read("content/channels/prep/channel.toml");
    assert!(settings.contains("state = \"archived\""), "{settings}");
    assert!(settings.contains("closing_note = \"Thanks for *reading*.\""));
    s.stop();
    let err = p.fails(&["publish", "nope"]);
    assert!(err.contains("no chat `nope`"), "{err}");
}

#[test]
fn serve_serves_the_site_with_revalidation() {
    let p = live_project();
    let s = Server::start(&p);
    let index = s.get("/");
    assert_eq!(index.status, 200);
    assert!(
        index
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(s.get("/live").status, 301);
    let live = s.get("/live/live.json");
    assert_eq!(live.status, 200);
    assert_eq!(live.header("access-control-allow-origin"), Some("*"));
    let etag = live.header("etag").unwrap().to_owned();
    let again = request(
        &s.addr,
        "GET",
        "/live/live.json",
        &[("If-None-Match", etag.clone())],
        b"",
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    s.post(&message("Ev1", CH, "1700000001.000100", "U1", "news"));
    wait_until("a new live.json", || {
        request(
            &s.addr,
            "GET",
            "/live/live.json",
            &[("If-None-Match", etag.clone())],
            b"",
        )
        .status
            == 200
    });
    assert_eq!(s.get("/../Cargo.toml").status, 404);
    assert_eq!(s.get("/.scrollback/events/journal.jsonl").status, 404);
    assert_eq!(s.get("/nope.html").status, 404);
}

/// The tests' signing helper agrees with Slack's own Python SDK (`slack_sdk`'s
/// `SignatureVerifier`), installed into `.venv` by scripts/test.
#[test]
fn the_test_signer_matches_slack_sdk() {
    let Some(python) = crate::support::slack::python_with_slack_sdk() else {
        return;
    };
    let ts = now().to_string();
    let body = message("Ev1", CH, "1700000001.000100", "U1", "héllo \"quoted\" ✓").to_string();
    let check = |body: &str, signature: &str| {
        let out = Command::new(&python)
            .args([
                "-c",
                "import sys\nfrom slack_sdk.signature import SignatureVerifier\n\
                 v = SignatureVerifier(sys.argv[1])\n\
                 print(v.is_valid(body=sys.argv[2], timestamp=sys.argv[3], signature=sys.argv[4]))",
                SECRET,
                body,
                &ts,
                signature,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let signature = sign(SECRET, &ts, body.as_bytes());
    assert_eq!(check(&body, &signature), "True");
    assert_eq!(check(&format!("{body} "), &signature), "False");
}

#[test]
fn a_deleted_thread_parent_stays_as_a_placeholder_while_its_replies_do() {
    let p = live_project();
    let s = Server::start(&p);
    let (parent, r1) = ("1700000001.000100", "1700000002.000100");
    s.post(&message("Ev1", CH, parent, "U1", "the question"));
    s.post(&reply("Ev2", CH, r1, parent, "the answer"));
    // Slack turns a deleted parent with replies into a tombstone.
    s.post(&callback(
        "Ev3",
        json!({"type": "message", "subtype": "message_changed", "hidden": true, "channel": CH,
               "ts": "1700000010.000000", "event_ts": "1700000010.000000",
               "message": {"type": "message", "subtype": "tombstone", "hidden": true,
                           "user": "USLACKBOT", "text": "This message was deleted.",
                           "ts": parent, "thread_ts": parent, "reply_count": 1}}),
    ));
    wait_until("the placeholder", || {
        feed_of(&p, "live")
            .and_then(|f| top(&f, parent).map(|m| m["tombstone"] == true))
            .unwrap_or(false)
    });
    let feed = feed_of(&p, "live").unwrap();
    let m = top(&feed, parent).unwrap();
    assert_eq!(m["text"], "");
    assert_eq!(m["thread"][0]["text"], "the answer");
    assert_eq!(record(&p, parent)["deleted"], true);
    // Its last reply gone, the placeholder goes too.
    s.post(&delete("Ev4", CH, r1, "1700000011.000000"));
    wait_until("the placeholder to go", || texts(&p).is_empty());
    wait_until("live.json to list it as removed", || {
        live_feed(&p)["removed"] == json!([parent])
    });
    assert!(!p.read("site/live/index.html").contains("the question"));
}

/// A doubled slash must not turn the folder redirect into a protocol-relative one (`//live/`
/// names the host `live`): an open redirect on the origin.
#[test]
fn serve_redirects_only_within_the_site() {
    let p = live_project();
    let s = Server::start(&p);
    for path in ["/live", "//live", "///live"] {
        let reply = s.get(path);
        assert_eq!(reply.status, 301, "{path}");
        assert_eq!(reply.header("location"), Some("/live/"), "{path}");
    }
}

/// An upload is re-hosted on the site's own origin: an `.html` or `.svg` must not run there.
/// Uploads other than raster images are downloads, nothing is sniffed, pages carry a policy
/// that runs no inline script (issue 11).
#[test]
fn uploads_are_served_so_they_cannot_run_on_the_site() {
    let p = live_project();
    p.write(
        "content/files/F1/evil.html",
        "<script>alert(document.cookie)</script>",
    );
    p.write("content/files/F2/logo.svg", "<svg onload=\"alert(1)\"/>");
    p.write("content/files/F3/chart.png", "not really a png");
    let s = Server::start(&p);
    for path in ["/files/F1/evil.html", "/files/F2/logo.svg"] {
        let reply = s.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply
                .header("content-disposition")
                .is_some_and(|d| d.starts_with("attachment")),
            "{path}: {:?}",
            reply.headers
        );
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
    let image = s.get("/files/F3/chart.png");
    assert_eq!(image.header("content-disposition"), None);
    assert_eq!(image.header("x-content-type-options"), Some("nosniff"));
    let page = s.get("/live/");
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'"));
    assert!(
        !policy
            .split(';')
            .any(|d| d.contains("script-src") && d.contains("unsafe-inline"))
    );
    // And for hosts that send no headers, the same policy in the page (minified: unquoted).
    assert!(page.text().contains("http-equiv=Content-Security-Policy"));
}

/// A disk error while applying an event (here a folder where its message file belongs) keeps
/// the event: the round is retried, loudly, until the disk lets it through, and nothing is
/// acknowledged as applied meanwhile, not even across a restart (issue 11).
#[test]
fn an_event_the_disk_refuses_is_retried_until_it_lands() {
    let p = live_project();
    let blocked = "1700000003.000100";
    p.write(
        &format!("content/channels/live/messages/{blocked}.json/in-the-way"),
        "",
    );
    let s = Server::start(&p);
    s.post(&message("Ev1", CH, "1700000001.000100", "U1", "before"));
    wait_until("the first message", || texts(&p).len() == 1);
    assert_eq!(s.post(&message("Ev2", CH, blocked, "U1", "blocked")), 200);
    s.post(&message("Ev3", CH, "1700000005.000100", "U1", "after"));
    wait_until("the retries to be logged", || {
        s.log().matches("trying again in").count() >= 2
    });
    assert_eq!(
        texts(&p).len(),
        1,
        "the round waits whole: nothing of it lands"
    );
    // A restart while the disk still refuses: the journal still holds both events.
    s.kill9();
    let s = Server::start(&p);
    wait_until("a retry after the restart", || {
        s.log().contains("trying again in")
    });
    std::fs::remove_dir_all(p.path(&format!("content/channels/live/messages/{blocked}.json")))
        .unwrap();
    wait_until("both waiting events to land", || {
        let texts = texts(&p);
        texts.iter().any(|(_, t)| t == "blocked") && texts.iter().any(|(_, t)| t == "after")
    });
    s.stop();
}

/// `archive` run while `serve` starts, between its first look at the chats' settings and the end
/// of its start-up build, was never noticed: the chat stayed live (issue 11, defect 9). A few
/// thousand messages make the start-up build long enough for the command to land inside it.
#[test]
fn a_chat_archived_while_serve_starts_is_archived() {
    let p = live_project();
    let (zip, _) = crate::support::exports::synthetic_export(3000, 6, 51, false);
    p.import(&zip).build();
    assert!(p.exists("site/live/live.json"));
    let mut serve = scrollback(p.root(), &["serve", "--port", "0"], NO_ENV);
    serve.env("SLACK_SIGNING_SECRET", SECRET);
    let serve = Process::start(serve);
    // Listening: the start-up build has begun (the publisher thread starts first).
    serve.wait_line("Listening on http://");
    p.ok(&["archive", "live"]);
    wait_until("the archived chat's live feed to go", || {
        !p.exists("site/live/live.json")
    });
    assert_eq!(feed_of(&p, "live").unwrap()["channel"]["state"], "archived");
    drop(serve);
}

/// An archived chat is a finished article (issue 12): a new message is recorded in `content/`
/// but not published, and the log says so; edits and deletions of what it shows still reach
/// readers.
#[test]
fn an_archived_chat_records_new_messages_without_publishing_them() {
    let p = live_project();
    let s = Server::start(&p);
    let (kept, fixed) = ("1700000001.000100", "1700000002.000100");
    assert_eq!(s.post(&message("EvA1", CH, kept, "U1", "kept")), 200);
    assert_eq!(s.post(&message("EvA2", CH, fixed, "U1", "typo")), 200);
    wait_until("both published", || texts(&p).len() == 2);
    p.ok(&["archive", "live"]);
    wait_until("the chat archived", || {
        feed_of(&p, "live").is_some_and(|f| f["channel"]["state"] == "archived")
    });

    let late = "1700000003.000100";
    assert_eq!(s.post(&message("EvA3", CH, late, "U1", "too late")), 200);
    let reply_ts = "1700000004.000100";
    assert_eq!(
        s.post(&reply("EvA4", CH, reply_ts, kept, "late reply")),
        200
    );
    assert_eq!(
        s.post(&edit("EvA5", CH, fixed, "fixed", "1700000005.000000", None)),
        200
    );
    wait_until("the correction published", || {
        texts(&p).iter().any(|(_, text)| text == "fixed")
    });
    wait_until("all five events applied", || {
        s.health()["events_applied"].as_u64() == Some(5)
    });
    assert_eq!(record(&p, late)["held"], true);
    assert_eq!(record(&p, reply_ts)["held"], true);
    let published: Vec<String> = texts(&p).into_iter().map(|(_, t)| t).collect();
    assert_eq!(published, ["kept", "fixed"]);
    let page = p.read("site/live/index.html");
    assert!(!page.contains("too late") && !page.contains("late reply"));
    assert!(s.log().contains(&format!(
        "new message {late} in `live` recorded, not published"
    )));

    assert_eq!(s.post(&delete("EvA6", CH, kept, "1700000006.000000")), 200);
    wait_until("the deletion published", || texts(&p).len() == 1);
    s.stop();
}

/// `serve` says at start which conversations it follows, and once per conversation that it
/// ignores the events of one no chat follows, with the command that would (issue 12).
#[test]
fn serve_says_what_it_follows_and_what_it_ignores() {
    let p = live_project();
    let s = Server::start(&p);
    assert!(
        s.log().contains("following C1LIVE for `live` (live)"),
        "{}",
        s.log()
    );
    for i in 0..3 {
        let ts = format!("170000000{i}.000100");
        assert_eq!(
            s.post(&message(&format!("EvU{i}"), "C9OTHER", &ts, "U1", "x")),
            200
        );
    }
    wait_until("the three events applied", || {
        s.health()["events_applied"].as_u64() == Some(3)
    });
    let log = s.log();
    let notes = log
        .matches("events for Slack conversation C9OTHER are ignored")
        .count();
    assert_eq!(notes, 1, "{log}");
    assert!(log.contains("scrollback channel add C9OTHER"), "{log}");
    s.stop();
}

/// The author shown for message `ts` in the live chat's feed (replies included).
fn author_of(p: &Project, ts: &str) -> Option<String> {
    let feed = feed_of(p, "live")?;
    feed["messages"]
        .as_array()?
        .iter()
        .flat_map(|m| std::iter::once(m).chain(m["thread"].as_array().into_iter().flatten()))
        .find(|m| m["ts"] == ts)
        .and_then(|m| m["user"]["name"].as_str().map(str::to_owned))
}

fn fake_newsroom() -> crate::support::slack_api::FakeSlack {
    use crate::support::slack_api::{FakeSlack, Workspace};
    let mut workspace = Workspace::default();
    workspace.add_user(
        json!({"id": "U0EDITOR", "name": "ada", "real_name": "Ada Editor",
        "profile": {"display_name": "", "real_name": "Ada Editor"}}),
    );
    workspace.add_bot(json!({"id": "B0WIRE", "deleted": false, "name": "wirebot",
        "icons": {"image_72": "https://avatars.example/wirebot.png"}}));
    FakeSlack::start(workspace)
}

fn env_of(fake: &crate::support::slack_api::FakeSlack) -> Vec<(String, String)> {
    let mut env = fake.env();
    env.push(("SCROLLBACK_SLACK_PACING".into(), "off".into()));
    env
}

#[test]
fn unknown_authors_are_looked_up_once_and_published_with_their_names() {
    let fake = fake_newsroom();
    let p = live_project();
    let s = Server::start_with(&p, &[], &env_of(&fake));
    assert_eq!(
        s.post(&message(
            "EvN1",
            CH,
            "1700000001.000100",
            "U0EDITOR",
            "first"
        )),
        200
    );
    let bot = callback(
        "EvN2",
        json!({"type": "message", "subtype": "bot_message", "channel": CH, "bot_id": "B0WIRE",
               "text": "wire copy", "ts": "1700000002.000100"}),
    );
    assert_eq!(s.post(&bot), 200);
    // Unknown to Slack too: the message is published under its id, and not asked for again.
    assert_eq!(
        s.post(&message("EvN3", CH, "1700000003.000100", "U0GHOST", "boo")),
        200
    );
    wait_until("the names looked up and published", || {
        author_of(&p, "1700000001.000100").as_deref() == Some("Ada Editor")
            && author_of(&p, "1700000002.000100").as_deref() == Some("wirebot")
    });
    assert_eq!(
        author_of(&p, "1700000003.000100").as_deref(),
        Some("U0GHOST")
    );
    let user: Value = serde_json::from_str(&p.read("content/users/U0EDITOR.json")).unwrap();
    assert_eq!(user["real_name"], "Ada Editor");
    assert!(p.exists("content/users/B0WIRE.json"));
    assert!(!p.exists("content/users/U0GHOST.json"));

    for (id, ts, user) in [
        ("EvN4", "1700000004.000100", "U0EDITOR"),
        ("EvN5", "1700000005.000100", "U0GHOST"),
    ] {
        assert_eq!(s.post(&message(id, CH, ts, user, "again")), 200);
    }
    wait_until("the second messages published", || {
        author_of(&p, "1700000004.000100").as_deref() == Some("Ada Editor")
            && author_of(&p, "1700000005.000100").is_some()
    });
    assert_eq!(fake.calls("users.info"), 2, "{:?}", fake.requests());
    assert_eq!(fake.calls("bots.info"), 1);
    let log = s.stop();
    assert!(log.contains("user_not_found"), "{log}");
    assert!(!log.contains(&fake.token()), "the token in the log");
}

#[test]
fn a_rate_limited_look_up_never_holds_events_back() {
    let fake = fake_newsroom();
    // Every users.info call answers 429 "retry after 30 s" for a while.
    fake.rate_limit("users.info", 100, 30);
    let p = live_project();
    let s = Server::start_with(&p, &[], &env_of(&fake));
    assert_eq!(
        s.post(&message("EvR1", CH, "1700000001.000100", "U0EDITOR", "one")),
        200
    );
    wait_until("users.info asked", || fake.calls("users.info") >= 1);
    assert_eq!(
        s.post(&message("EvR2", CH, "1700000002.000100", "U0EDITOR", "two")),
        200
    );
    wait_until("both messages published while the look-up waits", || {
        author_of(&p, "1700000002.000100").as_deref() == Some("U0EDITOR")
    });
    assert_eq!(texts(&p).len(), 2);
    assert_eq!(fake.calls("users.info"), 1);
}

#[test]
fn without_a_token_nothing_is_looked_up() {
    let p = live_project();
    let s = Server::start(&p);
    assert_eq!(
        s.post(&message("EvT1", CH, "1700000001.000100", "U0EDITOR", "one")),
        200
    );
    wait_until("the message published", || {
        author_of(&p, "1700000001.000100").as_deref() == Some("U0EDITOR")
    });
    let log = s.stop();
    assert!(
        log.contains("authors are named only from content/users/"),
        "{log}"
    );
    assert!(!p.exists("content/users/U0EDITOR.json"));
}

/// Authors left as ids from before a token was set (`U0EDITOR`) are looked up when serve
/// starts with one, without any new event naming them (issue 13, item 4).
#[test]
fn ids_already_in_content_are_named_after_a_restart_with_a_token() {
    let p = live_project();
    let s = Server::start(&p);
    assert_eq!(
        s.post(&message("EvS1", CH, "1700000001.000100", "U0EDITOR", "one")),
        200
    );
    let bot = callback(
        "EvS2",
        json!({"type": "message", "subtype": "bot_message", "channel": CH, "bot_id": "B0WIRE",
               "text": "wire copy", "ts": "1700000002.000100"}),
    );
    assert_eq!(s.post(&bot), 200);
    wait_until("both published under their ids", || {
        author_of(&p, "1700000001.000100").as_deref() == Some("U0EDITOR")
            && author_of(&p, "1700000002.000100").is_some()
    });
    s.stop();

    let fake = fake_newsroom();
    let s = Server::start_with(&p, &[], &env_of(&fake));
    wait_until("the names looked up after the restart", || {
        author_of(&p, "1700000001.000100").as_deref() == Some("Ada Editor")
            && author_of(&p, "1700000002.000100").as_deref() == Some("wirebot")
    });
    assert_eq!(fake.calls("users.info"), 1, "{:?}", fake.requests());
    assert_eq!(fake.calls("bots.info"), 1);
    let log = s.stop();
    assert!(
        log.contains("the live chats name 2 ids without a user file"),
        "{log}"
    );
}
