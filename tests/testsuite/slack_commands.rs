//! `/scrollback` and `@scrollback` (issue 14, requirements 1 and 4) through the real `serve`:
//! signed form posts to `/slack/commands` as Slack sends them, answers that only the asker sees,
//! changes finished through a `response_url` on the fake Web API (support/slack_api.rs), which
//! also plays `chat.postEphemeral` for mentions and `usergroups.users.list` for
//! `editor_groups`. Refusals: unsigned, stale, not an editor, not a chat.

use serde_json::{Value, json};

use crate::support::http::request;
use crate::support::project::Project;
use crate::support::server::{SECRET, Server};
use crate::support::slack::{callback, message, now, sign};
use crate::support::slack_api::{Channel, FakeSlack, Workspace};
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";
const EDITOR: &str = "U0EDITOR";
const READER: &str = "U0READER";

/// A live chat `live` for [`CH`], [`EDITOR`] an editor, the site at news.example, and
/// announcements on; `top` is added to the top-level keys.
fn project(top: &str) -> Project {
    let p = Project::init();
    let config = p.read("scrollback.toml").replacen(
        "base_url = \"\"",
        &format!("base_url = \"https://news.example/chats\"\neditors = [\"{EDITOR}\"]\n{top}"),
        1,
    );
    p.write(
        "scrollback.toml",
        &config.replace("announce = false", "announce = true"),
    );
    p.add_live_chat(CH, "live", "Live test");
    p
}

/// Slack with the chat's channel, the app, the editor and a reader in it.
fn slack() -> FakeSlack {
    let mut ws = Workspace::default();
    ws.add_conversation(Channel {
        id: CH.into(),
        name: "live-chat".into(),
        created: 1_500_000_000,
        members: vec!["UFAKEAPP1".into(), EDITOR.into(), READER.into()],
        ..Channel::default()
    });
    FakeSlack::start(ws)
}

fn start(p: &Project, slack: &FakeSlack) -> Server {
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".into(), "off".into()));
    Server::start_with(p, &[], &env)
}

/// A slash command's form as Slack posts it.
fn form(channel: &str, user: &str, text: &str, response_url: Option<&str>) -> String {
    let mut fields = vec![
        ("token", "legacy-unused"),
        ("team_id", "TFAKETEAM"),
        ("channel_id", channel),
        ("channel_name", "live-chat"),
        ("user_id", user),
        ("user_name", "someone"),
        ("command", "/scrollback"),
        ("text", text),
        ("api_app_id", "A1"),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
    ];
    if let Some(url) = response_url {
        fields.push(("response_url", url));
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// POSTs `body` to /slack/commands signed at `timestamp` (or unsigned): (status, body).
fn post_at(s: &Server, body: &str, timestamp: Option<i64>) -> (u16, String) {
    let mut headers = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    if let Some(ts) = timestamp {
        let ts = ts.to_string();
        headers.push(("X-Slack-Signature", sign(SECRET, &ts, body.as_bytes())));
        headers.push(("X-Slack-Request-Timestamp", ts));
    }
    let r = request(
        &s.addr,
        "POST",
        "/slack/commands",
        &headers,
        body.as_bytes(),
    );
    (r.status, r.text())
}

/// A signed command; its immediate answer, which must be ephemeral.
fn command(s: &Server, user: &str, text: &str, response_url: Option<&str>) -> String {
    command_in(s, CH, user, text, response_url)
}

fn command_in(
    s: &Server,
    channel: &str,
    user: &str,
    text: &str,
    response_url: Option<&str>,
) -> String {
    let (status, body) = post_at(s, &form(channel, user, text, response_url), Some(now()));
    assert_eq!(status, 200, "{body}\n{}", s.log());
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response_type"], "ephemeral", "{answer}");
    answer["text"].as_str().unwrap().to_owned()
}

/// The text of the one answer posted to the response URL `name`.
fn delayed(slack: &FakeSlack, name: &str) -> String {
    let answers = wait_until(format!("an answer at response_url {name}"), || {
        Some(slack.responses(name)).filter(|r| !r.is_empty())
    });
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["response_type"], "ephemeral");
    answers[0]["text"].as_str().unwrap().to_owned()
}

fn state(p: &Project, slug: &str) -> String {
    let settings = p.read(&format!("content/channels/{slug}/channel.toml"));
    let line = settings.lines().find(|l| l.starts_with("state = "));
    line.unwrap().to_owned()
}

fn feed_channel(p: &Project, field: &str) -> Value {
    std::fs::read_to_string(p.path("site/live/feed.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map_or(Value::Null, |f| f["channel"][field].clone())
}

#[test]
fn editors_run_a_chat_from_slack_and_everyone_else_is_told_politely() {
    let slack = slack();
    let p = project("");
    let s = start(&p, &slack);
    assert_eq!(
        s.post(&message("EvC1", CH, "1700000001.000100", EDITOR, "hello")),
        200
    );
    wait_until("the message on the page", || {
        feed_channel(&p, "message_count") == 1
    });

    // Refused before anything is read: unsigned, stale.
    let body = form(CH, EDITOR, "archive", None);
    assert_eq!(post_at(&s, &body, None).0, 401);
    assert_eq!(post_at(&s, &body, Some(now() - 600)).0, 401);
    let mut tampered = body.clone();
    let signed_at = now().to_string();
    let signature = sign(SECRET, &signed_at, body.as_bytes());
    tampered.push_str("&user_id=U0EDITOR");
    let r = request(
        &s.addr,
        "POST",
        "/slack/commands",
        &[
            ("X-Slack-Signature", signature),
            ("X-Slack-Request-Timestamp", signed_at),
        ],
        tampered.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert!(state(&p, "live").contains("live"));

    // Anyone may ask how the chat is; the answer says what this serve knows.
    let status = command(&s, READER, "status", None);
    for part in [
        "*Live test* (`live`) is live.",
        "Page: https://news.example/chats/live/",
        "On the page: 1 message.",
        "not deployed by this serve",
        "Only editors can change it.",
    ] {
        assert!(status.contains(part), "{part:?} in {status}");
    }
    assert!(command(&s, READER, "help", None).contains("/scrollback headline TEXT"));
    let unknown = command(&s, READER, "explode", None);
    assert!(
        unknown.contains("`explode` is not something I know"),
        "{unknown}"
    );

    // A reader cannot change it; nothing changes.
    let refused = command(&s, READER, "archive", Some(&slack.response_url("r1")));
    assert!(
        refused.contains("only the chat's editors can change it") && refused.contains(READER),
        "{refused}"
    );
    let refused = command(&s, READER, "headline Mine now", None);
    assert!(refused.contains("only the chat's editors"), "{refused}");
    assert!(slack.responses("r1").is_empty());
    assert_eq!(state(&p, "live"), "state = \"live\"");

    // A channel no chat follows.
    let elsewhere = command_in(&s, "C9NOPE", EDITOR, "status", None);
    assert!(
        elsewhere.contains("not a scrollback chat")
            && elsewhere.contains("scrollback channel add C9NOPE"),
        "{elsewhere}"
    );

    // An editor archives it: acknowledged at once, finished through response_url, announced
    // in the channel, and the site follows.
    let ack = command(&s, EDITOR, "archive", Some(&slack.response_url("archive")));
    assert_eq!(ack, "Making `live` archived…");
    let done = delayed(&slack, "archive");
    assert!(done.starts_with("`live` is now archived"), "{done}");
    assert_eq!(state(&p, "live"), "state = \"archived\"");
    wait_until("the archived chat on the site", || {
        feed_channel(&p, "state") == "archived"
    });
    let posted = slack.posted();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["channel"], CH);
    assert!(
        posted[0]["text"]
            .as_str()
            .unwrap()
            .contains("https://news.example/chats/live/")
    );
    let again = command(&s, EDITOR, "archive", None);
    assert_eq!(again, "`live` is already archived: nothing to do.");

    // Live again, then a new headline (Slack escapes `&` in the text it sends).
    command(&s, EDITOR, "live", Some(&slack.response_url("live")));
    assert!(delayed(&slack, "live").starts_with("`live` is now live"));
    assert_eq!(state(&p, "live"), "state = \"live\"");
    let ack = command(
        &s,
        EDITOR,
        "headline Q&amp;A night, live",
        Some(&slack.response_url("headline")),
    );
    assert_eq!(ack, "Changing the headline of `live`…");
    let done = delayed(&slack, "headline");
    assert!(done.contains("Q&amp;A night, live"), "{done}");
    assert!(
        p.read("content/channels/live/channel.toml")
            .contains("headline = \"Q&A night, live\"")
    );
    wait_until("the new headline on the page", || {
        feed_channel(&p, "headline") == "Q&A night, live"
            && p.page("site/live/index.html")
                .text("h1")
                .contains("Q&A night, live")
    });
    assert!(command(&s, EDITOR, "headline", None).contains("Give the new headline"));
    let log = s.stop();
    assert!(!log.contains(&slack.token()), "the token in the log");
}

#[test]
fn a_private_conversation_goes_public_only_when_an_editor_says_private() {
    let slack = slack();
    slack.set_usergroup("S0DESK", &["U0DESK"]);
    let p = project("editor_groups = [\"S0DESK\"]");
    p.ok(&[
        "channel",
        "add",
        "G0SECRET",
        "--slug",
        "secret",
        "--headline",
        "Secret",
        "--draft",
    ]);
    assert_eq!(state(&p, "secret"), "state = \"draft\"");
    let s = start(&p, &slack);
    wait_until("the editor group read", || {
        s.log().contains("editor group S0DESK: 1 member")
    });
    let status = command_in(&s, "G0SECRET", "U0DESK", "status", None);
    assert!(
        status.contains("is a draft: it is not on the site")
            && status.contains("comes from a private channel")
            && status.contains("You are an editor"),
        "{status}"
    );

    // Without a response_url the change is finished before the answer.
    let refused = command_in(&s, "G0SECRET", "U0DESK", "publish", None);
    assert!(
        refused.contains("is a private channel")
            && refused.contains("Nothing was changed")
            && refused.contains("`/scrollback publish private`"),
        "{refused}"
    );
    assert_eq!(state(&p, "secret"), "state = \"draft\"");
    let done = command_in(&s, "G0SECRET", "U0DESK", "publish private", None);
    assert!(
        done.starts_with("`secret` is now live and public, although it is a private channel"),
        "{done}"
    );
    assert_eq!(state(&p, "secret"), "state = \"live\"");
    wait_until("the chat on the site", || {
        p.exists("site/secret/index.html")
    });
    // Not in the group: no.
    let refused = command_in(&s, "G0SECRET", "U0OTHER", "archive", None);
    assert!(refused.contains("only the chat's editors"), "{refused}");
    s.stop();
}

/// An `app_mention` event as Slack sends it.
fn mention(id: &str, user: &str, text: &str, ts: &str, thread: Option<&str>) -> Value {
    let mut event = json!({"type": "app_mention", "user": user, "text": text, "ts": ts,
        "channel": CH, "event_ts": ts, "team": "TFAKETEAM"});
    if let Some(thread) = thread {
        event["thread_ts"] = json!(thread);
    }
    callback(id, event)
}

#[test]
fn mentions_are_answered_once_however_often_slack_sends_them() {
    let slack = slack();
    let p = project("");
    let s = start(&p, &slack);
    let status = mention(
        "EvM1",
        READER,
        "<@UFAKEAPP1> status",
        "1700000001.000100",
        None,
    );
    assert_eq!(s.post(&status), 200);
    // Slack's retry of the same event: acknowledged, not answered again.
    let retry = s.post_raw(
        status.to_string().as_bytes(),
        &[
            ("X-Slack-Retry-Num", "1".to_owned()),
            ("X-Slack-Retry-Reason", "http_timeout".to_owned()),
        ],
    );
    assert_eq!(retry.status, 200);
    let archive = mention(
        "EvM2",
        EDITOR,
        "<@UFAKEAPP1> archive",
        "1700000002.000200",
        Some("1700000001.000100"),
    );
    assert_eq!(s.post(&archive), 200);
    let answers = wait_until("two answers", || {
        Some(slack.ephemeral()).filter(|a| a.len() >= 2)
    });
    wait_until("the archived chat on the site", || {
        feed_channel(&p, "state") == "archived"
    });
    let log = s.stop();
    let answers_now = slack.ephemeral();
    assert_eq!(answers_now.len(), 2, "{answers_now:?}\n{log}");
    let to = |user: &str| {
        answers
            .iter()
            .find(|a| a["user"] == user)
            .unwrap_or_else(|| panic!("no answer to {user}: {answers:?}"))
    };
    let to_reader = to(READER);
    assert_eq!(to_reader["channel"], CH);
    assert!(to_reader.get("thread_ts").is_none());
    assert!(
        to_reader["text"]
            .as_str()
            .unwrap()
            .contains("(`live`) is live."),
        "{to_reader}"
    );
    let to_editor = to(EDITOR);
    assert_eq!(to_editor["thread_ts"], "1700000001.000100");
    assert!(
        to_editor["text"]
            .as_str()
            .unwrap()
            .starts_with("`live` is now archived"),
        "{to_editor}"
    );
    assert_eq!(state(&p, "live"), "state = \"archived\"");
    assert!(log.contains("was already recorded"), "{log}");
}
