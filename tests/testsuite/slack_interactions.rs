//! Editors' message shortcuts (issue 14) through the real `serve`: signed `payload=` form posts
//! to `/slack/interactions`, Slack's Web API and response URLs played by the fake
//! (`support/slack_api`), the results read from `content/`, the feeds, the pages, and a live
//! page in a real browser.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::support::browser::{Browser, Tab};
use crate::support::http::{Response, request};
use crate::support::project::Project;
use crate::support::server::{SECRET, Server};
use crate::support::slack::{edit, message, now, sign};
use crate::support::slack_api::{FakeSlack, Workspace};
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";
const EDITOR: &str = "U0EDITOR";
const READER: &str = "U0READER";

/// A project with one live chat `live` for [`CH`] and [`EDITOR`] as its editor; `interval`
/// sets the live pages' polling.
fn project(interval: Option<&str>) -> Project {
    let p = Project::init();
    let mut config = format!("editors = [\"{EDITOR}\"]\n{}", p.read("scrollback.toml"));
    if let Some(every) = interval {
        config = config.replace(
            "interval = 3\nmax_interval = 30",
            &format!("interval = {every}\nmax_interval = 2"),
        );
    }
    p.write("scrollback.toml", &config);
    p.add_live_chat(CH, "live", "Live test");
    p
}

/// `serve` with the fake's bot token and API URL.
fn serve(p: &Project, slack: &FakeSlack) -> Server {
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".into(), "off".into()));
    Server::start_with(p, &[], &env)
}

/// A Slack time for an act, unique in the test run and now (so the live feed lists it).
fn action_ts() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}.{:06}",
        now(),
        N.fetch_add(1, Ordering::SeqCst) % 1_000_000
    )
}

/// A message shortcut as Slack posts it.
fn shortcut(
    callback: &str,
    user: &str,
    channel: &str,
    ts: &str,
    trigger: &str,
    reply: &str,
) -> Value {
    json!({
        "type": "message_action",
        "token": "legacy-token-unused",
        "callback_id": callback,
        "trigger_id": trigger,
        "action_ts": action_ts(),
        "team": {"id": "T1", "domain": "newsroom"},
        "user": {"id": user, "name": "someone"},
        "channel": {"id": channel, "name": "live"},
        "message": {"type": "message", "user": "U1", "text": "whatever Slack shows", "ts": ts},
        "message_ts": ts,
        "response_url": reply,
    })
}

/// A submitted edit modal.
fn submission(user: &str, trigger: &str, metadata: &str, text: &str, revert: bool) -> Value {
    let options = if revert {
        json!([{"value": "revert"}])
    } else {
        json!([])
    };
    json!({
        "type": "view_submission",
        "trigger_id": trigger,
        "team": {"id": "T1"},
        "user": {"id": user},
        "view": {"id": "VFAKE0001", "type": "modal", "callback_id": "scrollback_edit",
                 "private_metadata": metadata,
                 "state": {"values": {
                     "text": {"text": {"type": "plain_text_input", "value": text}},
                     "revert": {"revert": {"type": "checkboxes", "selected_options": options}},
                 }}},
    })
}

/// The form body Slack sends: `payload=<JSON>`, URL-encoded.
fn form(payload: &Value) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
        .into_bytes()
}

/// POSTs `payload` to /slack/interactions, signed at `timestamp` (None: unsigned).
fn post_at(s: &Server, payload: &Value, timestamp: Option<i64>) -> Response {
    let body = form(payload);
    let mut headers = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    if let Some(at) = timestamp {
        let at = at.to_string();
        headers.push(("X-Slack-Signature", sign(SECRET, &at, &body)));
        headers.push(("X-Slack-Request-Timestamp", at));
    }
    request(&s.addr, "POST", "/slack/interactions", &headers, &body)
}

fn post(s: &Server, payload: &Value) -> Response {
    post_at(s, payload, Some(now()))
}

fn feed(p: &Project) -> Value {
    std::fs::read_to_string(p.path("site/live/feed.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn in_feed(p: &Project, ts: &str) -> Option<Value> {
    feed(p)["messages"]
        .as_array()?
        .iter()
        .find(|m| m["ts"] == ts)
        .cloned()
}

fn record(p: &Project, ts: &str) -> Value {
    serde_json::from_str(&p.read(&format!("content/channels/live/messages/{ts}.json"))).unwrap()
}

/// Waits for an answer to the response URL `name` and returns its text.
fn response_text(slack: &FakeSlack, name: &str) -> String {
    wait_until(format!("an answer to response URL {name}"), || {
        (slack.responses(name).into_iter())
            .find_map(|body| body["text"].as_str().map(str::to_owned))
    })
}

#[test]
fn shortcuts_hide_show_and_pin_for_editors_only() {
    let p = project(None);
    let slack = FakeSlack::start(Workspace::default());
    let s = serve(&p, &slack);
    let (t1, t2) = ("1700000001.000100", "1700000002.000100");
    assert_eq!(s.post(&message("Ev1", CH, t1, "U1", "first")), 200);
    assert_eq!(s.post(&message("Ev2", CH, t2, "U1", "second")), 200);
    wait_until("both messages in the feed", || {
        in_feed(&p, t1).is_some() && in_feed(&p, t2).is_some()
    });
    let untouched = p.read(&format!("content/channels/live/messages/{t1}.json"));

    // Refusals: unsigned, stale, a reader, a conversation no chat follows, an unknown message.
    let hide = shortcut(
        "scrollback_hide",
        EDITOR,
        CH,
        t1,
        "Tr-hide",
        &slack.response_url("hide"),
    );
    assert_eq!(post_at(&s, &hide, None).status, 401);
    assert_eq!(post_at(&s, &hide, Some(now() - 600)).status, 401);
    let by_reader = shortcut(
        "scrollback_hide",
        READER,
        CH,
        t1,
        "Tr-r",
        &slack.response_url("r"),
    );
    assert_eq!(post(&s, &by_reader).status, 200);
    assert!(response_text(&slack, "r").contains("only this site's editors"));
    let elsewhere = shortcut(
        "scrollback_hide",
        EDITOR,
        "C9OTHER",
        t1,
        "Tr-o",
        &slack.response_url("o"),
    );
    assert_eq!(post(&s, &elsewhere).status, 200);
    assert!(response_text(&slack, "o").contains("not published by scrollback"));
    let unknown = shortcut(
        "scrollback_hide",
        EDITOR,
        CH,
        "1700000009.000100",
        "Tr-u",
        &slack.response_url("u"),
    );
    assert_eq!(post(&s, &unknown).status, 200);
    assert!(response_text(&slack, "u").contains("does not have this message"));
    assert_eq!(post(&s, &json!({"type": "message_action"})).status, 400);
    let not_a_form = request(
        &s.addr,
        "POST",
        "/slack/interactions",
        &[
            ("X-Slack-Request-Timestamp", now().to_string()),
            ("X-Slack-Signature", sign(SECRET, &now().to_string(), b"{}")),
        ],
        b"{}",
    );
    assert_eq!(not_a_form.status, 400);
    // Nothing changed, and no act reached the journal.
    assert_eq!(
        p.read(&format!("content/channels/live/messages/{t1}.json")),
        untouched
    );
    assert!(!s.log().contains("editor's act"), "{}", s.log());

    // Hide: gone from the feed; a retry of the same request is the same act.
    assert_eq!(post(&s, &hide).status, 200);
    assert!(response_text(&slack, "hide").contains("Hidden"));
    wait_until("the hidden message gone from the feed", || {
        in_feed(&p, t1).is_none() && in_feed(&p, t2).is_some()
    });
    assert_eq!(post(&s, &hide).status, 200);
    let r = record(&p, t1);
    assert_eq!(r["hidden"], true);
    assert_eq!(r["slack"]["text"], "first");

    // Show: back.
    let show = shortcut(
        "scrollback_show",
        EDITOR,
        CH,
        t1,
        "Tr-show",
        &slack.response_url("show"),
    );
    assert_eq!(post(&s, &show).status, 200);
    wait_until("the message back in the feed", || in_feed(&p, t1).is_some());
    assert!(in_feed(&p, t1).unwrap().get("pinned").is_none());

    // Pin: marked in the feed and shown in the page's pinned block; the same shortcut unpins.
    let pin = shortcut(
        "scrollback_pin",
        EDITOR,
        CH,
        t2,
        "Tr-pin",
        &slack.response_url("pin"),
    );
    assert_eq!(post(&s, &pin).status, 200);
    wait_until("the pinned message marked in the feed", || {
        in_feed(&p, t2).is_some_and(|m| m["pinned"] == true)
    });
    wait_until("the pinned block on the page", || {
        let page = p.page("site/live/index.html");
        page.count(
            "section.pinned:not(.pinned--empty) li[data-ts='1700000002.000100'] .message--pinned",
        ) == 1
    });
    let unpin = shortcut(
        "scrollback_pin",
        EDITOR,
        CH,
        t2,
        "Tr-unpin",
        &slack.response_url("unpin"),
    );
    assert_eq!(post(&s, &unpin).status, 200);
    assert!(response_text(&slack, "unpin").contains("Unpinned"));
    wait_until("the unpinned message unmarked", || {
        in_feed(&p, t2).is_some_and(|m| m.get("pinned").is_none())
    });

    // The log: who, what, when and how, once per act (the retried hide too).
    let log = record(&p, t1)["editorial"].clone();
    let acts: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["act"].as_str().unwrap())
        .collect();
    assert_eq!(acts, ["hide", "show"]);
    assert_eq!(log[0]["by"], EDITOR);
    assert_eq!(log[0]["via"], "shortcut");
    assert!(log[0]["at"].as_str().is_some_and(|t| t.starts_with('1')));
    let r2 = record(&p, t2);
    let acts2: Vec<&str> = r2["editorial"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["act"].as_str().unwrap())
        .collect();
    assert_eq!(acts2, ["pin", "unpin"]);
    // The feed carries the log, names resolved like authors' (here: the id, no user file).
    let shown = in_feed(&p, t1).unwrap();
    assert_eq!(shown["editorial"][0]["act"], "hide");
    assert_eq!(
        shown["editorial"][0]["by"],
        json!({"id": EDITOR, "name": EDITOR})
    );
    assert!(shown["editorial"][1]["at"]["iso"].is_string());
    s.stop();
}

#[test]
fn an_edit_from_a_modal_survives_the_authors_edit_and_reverts() {
    let p = project(None);
    let slack = FakeSlack::start(Workspace::default());
    let s = serve(&p, &slack);
    let t1 = "1700000001.000100";
    assert_eq!(
        s.post(&message("Ev1", CH, t1, "U1", "Polls close at 8")),
        200
    );
    wait_until("the message in the feed", || in_feed(&p, t1).is_some());

    // The shortcut opens a modal holding the published text.
    let open = shortcut(
        "scrollback_edit",
        EDITOR,
        CH,
        t1,
        "Tr-edit1",
        &slack.response_url("e1"),
    );
    assert_eq!(post(&s, &open).status, 200);
    let views = slack.opened_views();
    assert_eq!(views.len(), 1, "{}", s.log());
    assert_eq!(views[0]["trigger_id"], "Tr-edit1");
    let view = &views[0]["view"];
    assert_eq!(view["callback_id"], "scrollback_edit");
    assert_eq!(
        view["blocks"][0]["element"]["initial_value"],
        "Polls close at 8"
    );
    let metadata = view["private_metadata"].as_str().unwrap().to_owned();
    // A reader's shortcut opens nothing.
    let by_reader = shortcut(
        "scrollback_edit",
        READER,
        CH,
        t1,
        "Tr-edit-r",
        &slack.response_url("er"),
    );
    assert_eq!(post(&s, &by_reader).status, 200);
    assert!(response_text(&slack, "er").contains("only this site's editors"));
    assert_eq!(slack.opened_views().len(), 1);

    // Refused submissions answer with the modal's errors, and change nothing.
    let refused = post(
        &s,
        &submission(READER, "Tr-s0", &metadata, "vandalism", false),
    );
    assert_eq!(refused.status, 200);
    let answer: Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(answer["response_action"], "errors");
    let empty = post(&s, &submission(EDITOR, "Tr-s00", &metadata, "  ", false));
    let answer: Value = serde_json::from_slice(&empty.body).unwrap();
    assert!(answer["errors"]["text"].is_string(), "{answer}");

    // The editor's text is published.
    let saved = post(
        &s,
        &submission(
            EDITOR,
            "Tr-s1",
            &metadata,
            "Polls close at 9 & <b>later</b>",
            false,
        ),
    );
    assert_eq!(saved.status, 200);
    assert!(saved.body.is_empty(), "{}", saved.text());
    wait_until("the editor's text in the feed", || {
        in_feed(&p, t1).is_some_and(|m| m["text"] == "Polls close at 9 & <b>later</b>")
    });
    let m = in_feed(&p, t1).unwrap();
    assert!(m["corrected"]["date"].is_string(), "{m}");
    assert!(!m["html"].as_str().unwrap().contains("<b>"), "{m}");
    wait_until("Corrected on the page", || {
        p.page("site/live/index.html")
            .count("li[data-ts='1700000001.000100'] .corrected time")
            == 1
    });

    // The author edits in Slack: kept apart, the editor's text stays published.
    assert_eq!(
        s.post(&edit(
            "Ev2",
            CH,
            t1,
            "Polls close at 8 ET",
            &format!("{}.000000", now()),
            Some("Polls close at 8")
        )),
        200
    );
    wait_until("the author's edit recorded", || {
        record(&p, t1)["slack"]["text"] == "Polls close at 8 ET"
    });
    wait_until("the feed with the author's edit", || {
        in_feed(&p, t1).is_some_and(|m| m["edited"].is_string())
    });
    assert_eq!(
        in_feed(&p, t1).unwrap()["text"],
        "Polls close at 9 & <b>later</b>"
    );

    // The modal opens on the published text, with a way back to the author's.
    let reopen = shortcut(
        "scrollback_edit",
        EDITOR,
        CH,
        t1,
        "Tr-edit2",
        &slack.response_url("e2"),
    );
    assert_eq!(post(&s, &reopen).status, 200);
    let view = slack.opened_views()[1]["view"].clone();
    assert_eq!(
        view["blocks"][0]["element"]["initial_value"],
        "Polls close at 9 & <b>later</b>"
    );
    assert_eq!(view["blocks"][1]["block_id"], "revert");
    assert_eq!(
        post(&s, &submission(EDITOR, "Tr-s2", &metadata, "ignored", true)).status,
        200
    );
    wait_until("the author's text back in the feed", || {
        in_feed(&p, t1)
            .is_some_and(|m| m["text"] == "Polls close at 8 ET" && m.get("corrected").is_none())
    });

    // The message file's log: who, what, when.
    let r = record(&p, t1);
    assert!(r.get("override_text").is_none(), "{r}");
    let log = r["editorial"].as_array().unwrap();
    assert_eq!(log.len(), 2, "{r}");
    assert_eq!(log[0]["act"], "edit");
    assert_eq!(
        log[0]["text"],
        "Polls close at 9 &amp; &lt;b&gt;later&lt;/b&gt;"
    );
    assert_eq!(log[1]["act"], "revert");
    for entry in log {
        assert_eq!(entry["by"], EDITOR);
        assert_eq!(entry["via"], "shortcut");
        assert!(entry["at"].is_string());
    }
    s.stop();
}

#[test]
fn a_shortcut_hides_a_message_from_an_open_live_page() {
    let mut browser = Browser::launch();
    let p = project(Some("0.5"));
    let slack = FakeSlack::start(Workspace::default());
    let s = serve(&p, &slack);
    let ts = nth;
    post_five_messages(&p, &s);
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    let item = |t: &str| format!("document.querySelector('ol.messages > li[data-ts=\"{t}\"]')");
    browser.wait_for(
        &tab,
        &format!("!!{}", item(&ts(3))),
        "the message on the page",
    );
    browser.eval(&tab, "window.__marker = 'same page'");

    let hide = shortcut(
        "scrollback_hide",
        EDITOR,
        CH,
        &ts(3),
        "Tr-b1",
        &slack.response_url("b1"),
    );
    assert_eq!(post(&s, &hide).status, 200);
    browser.wait_for(
        &tab,
        &format!("!{}", item(&ts(3))),
        "the hidden message gone",
    );

    // A pin fills the pinned block; an unpin empties and hides it.
    let pin = shortcut(
        "scrollback_pin",
        EDITOR,
        CH,
        &ts(1),
        "Tr-b2",
        &slack.response_url("b2"),
    );
    assert_eq!(post(&s, &pin).status, 200);
    browser.wait_for(
        &tab,
        &format!("!document.querySelector('section.pinned').classList.contains('pinned--empty') && document.querySelector('section.pinned li[data-ts=\"{}\"] .text').textContent === 'message 1'", ts(1)),
        "the pinned block",
    );
    let unpin = shortcut(
        "scrollback_pin",
        EDITOR,
        CH,
        &ts(1),
        "Tr-b3",
        &slack.response_url("b3"),
    );
    assert_eq!(post(&s, &unpin).status, 200);
    browser.wait_for(
        &tab,
        "document.querySelector('section.pinned').classList.contains('pinned--empty') && !document.querySelector('section.pinned li')",
        "the pinned block emptied",
    );
    assert_eq!(browser.eval(&tab, "window.__marker"), json!("same page"));
    s.stop();
}

/// A message pinned from an earlier page shows above the live chat's latest messages with its
/// timestamp linking to its page, and keeps that link when the live page redraws the pin from the
/// live feed (its first poll does, the pin being recent): a reader who clicks it lands on it. A
/// pin made while the page is open comes from the live feed alone, which does not say where the
/// message is: a click on it still lands there.
#[test]
fn a_pin_from_an_earlier_page_links_there_from_the_live_page() {
    let mut browser = Browser::launch();
    let p = project(Some("0.5"));
    // Pages of two messages; the chat's address shows the latest two.
    p.edit_config(|c| {
        c.replace("\npage_size = 100\n", "\npage_size = 2\n")
            .replace("\nlatest = 50\n", "\nlatest = 2\n")
    });
    let slack = FakeSlack::start(Workspace::default());
    let s = serve(&p, &slack);
    let ts = nth;
    post_five_messages(&p, &s);
    // Pins message `n` with the editor's shortcut.
    let pin = |n: u64| {
        let trigger = format!("Tr-pin{n}");
        let payload = shortcut(
            "scrollback_pin",
            EDITOR,
            CH,
            &ts(n),
            &trigger,
            &slack.response_url(&trigger),
        );
        assert_eq!(post(&s, &payload).status, 200);
    };
    // Waits until `tab`'s live script has drawn pin `n` from the live feed, clicks its timestamp
    // (whose link it returns) and waits to land on the message on page `page`.
    let follow_pin = |browser: &mut Browser, tab: &Tab, n: u64, page: u64| {
        browser.wait_for(
            tab,
            &format!(
                "window.scrollbackLivePage.state.pinned['{}'] !== undefined",
                ts(n)
            ),
            "the pin drawn from the live feed",
        );
        let stamp = format!(
            "document.querySelector('section.pinned li[data-ts=\"{}\"] a.timestamp')",
            ts(n)
        );
        let href = browser.eval(tab, &format!("{stamp}.getAttribute('href')"));
        browser.eval(tab, &format!("{stamp}.click()"));
        let anchor = format!("m{}", ts(n).replace('.', "-"));
        browser.wait_for(
            tab,
            &format!(
                "location.pathname.endsWith('/live/page-{page}.html') \
                 && location.hash === '#{anchor}' \
                 && !!document.querySelector('ol.messages > li#{anchor}')"
            ),
            "the pinned message in its place",
        );
        (href, anchor)
    };

    pin(0);
    wait_until("the first message pinned", || {
        in_feed(&p, &ts(0)).is_some_and(|m| m["pinned"] == true)
    });
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    let (href, anchor) = follow_pin(&mut browser, &tab, 0, 1);
    assert_eq!(href, json!(format!("page-1.html#{anchor}")));

    // Pinned while the reader has the live page open: drawn from the live feed, which does not
    // say where the message is; a click asks the page as now built, and lands there.
    let open = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&open, "window.scrollbackLivePage", "the live script");
    pin(2);
    follow_pin(&mut browser, &open, 2, 2);
    s.stop();
}

/// The ts of the `n`th message the live-page tests post.
fn nth(n: u64) -> String {
    format!("{}.000100", 1_700_000_100 + n)
}

/// Posts five messages to the live chat and waits until its feed has them.
fn post_five_messages(p: &Project, s: &Server) {
    for n in 0..5 {
        let id = format!("Ev{n}");
        assert_eq!(
            s.post(&message(&id, CH, &nth(n), "U1", &format!("message {n}"))),
            200
        );
    }
    wait_until("5 messages in the feed", || {
        feed(p)["messages"].as_array().is_some_and(|m| m.len() == 5)
    });
}
