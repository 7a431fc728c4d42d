//! `serve --socket-mode` through the real binary, with Slack played by the fake Web API
//! (apps.connections.open) and the fake Socket Mode server (support/slack_socket.rs): events land
//! in `content/` and on the site through the same journal as HTTP events, are acknowledged only
//! once recorded, and links are replaced on `disconnect` and after a failure. The fake's
//! envelopes are cross-checked with Slack's own Python client (`slack_sdk`).

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::project::{Project, feed_messages, repo, scrollback};
use crate::support::server::{Server, post_signed};
use crate::support::slack::{message, python_with_slack_sdk};
use crate::support::slack_api::{FakeSlack, Workspace};
use crate::support::slack_socket::FakeSocketMode;
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";

/// `serve` and Slack's side of it; the server goes first when dropped.
struct Rig {
    server: Server,
    p: Project,
    slack: FakeSlack,
    socket: FakeSocketMode,
}

/// A project with one live chat for [`CH`], and `serve --socket-mode` with link #1 up.
/// `signing_secret`: whether HTTP events are taken too.
fn rig(signing_secret: bool) -> Rig {
    let p = Project::init();
    p.add_live_chat(CH, "live", "Live test");
    // U1 edits the chat (top-level keys go before the file's tables).
    let config = p.read("scrollback.toml");
    p.write("scrollback.toml", &format!("editors = [\"U1\"]\n{config}"));
    let socket = FakeSocketMode::start();
    let slack = FakeSlack::start(Workspace::default());
    slack.enable_socket_mode(&socket);
    let server = if signing_secret {
        Server::start_with(&p, &["--socket-mode"], &slack.socket_mode_env())
    } else {
        Server::start_socket_mode(&p, &slack.socket_mode_env())
    };
    socket.wait_link(1);
    Rig {
        server,
        p,
        slack,
        socket,
    }
}

impl Rig {
    /// Sends `text` as message `event_id` at `ts` on link `n`, waits for its acknowledgement and
    /// for it on the site.
    fn lands(&self, n: usize, event_id: &str, ts: &str, text: &str) {
        let id = self
            .socket
            .send_event(n, &message(event_id, CH, ts, "U1", text), 0);
        assert_eq!(self.socket.wait_ack(&id), json!({"envelope_id": id}));
        wait_until(
            format!("{text:?} on the site: {}", self.server.log()),
            || {
                self.texts()
                    .iter()
                    .any(|(t, x)| t == ts && x.contains(text))
            },
        );
        assert!(
            self.p
                .exists(&format!("content/channels/live/messages/{ts}.json"))
        );
    }

    fn texts(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.p.path("site/live/feed.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|f| feed_messages(&f))
            .unwrap_or_default()
    }

    /// How many journal entries hold event `id`.
    fn journaled(&self, id: &str) -> usize {
        let journal = std::fs::read_to_string(self.p.path(".scrollback/events/journal.jsonl"))
            .unwrap_or_default();
        journal.matches(&format!("\"id\":\"{id}\"")).count()
    }
}

#[test]
fn events_over_socket_mode_land_once_and_are_acknowledged_only_once_recorded() {
    let r = rig(false);
    let t1 = "1700000001.000100";
    let id = r
        .socket
        .send_event(1, &message("EvS1", CH, t1, "U1", "over the socket"), 0);
    let ack = r.socket.wait_ack(&id);
    // The acknowledgement comes after the fsync: when the fake has it, the journal has the event.
    assert_eq!(r.journaled("EvS1"), 1, "{}", r.server.log());
    assert_eq!(ack, json!({"envelope_id": id}));
    wait_until("the message on the site", || {
        r.texts()
            .iter()
            .any(|(t, x)| t == t1 && x.contains("over the socket"))
    });

    // Slack redelivers (a new envelope, the same event_id): acknowledged, not recorded again.
    let again = r
        .socket
        .send_event(1, &message("EvS1", CH, t1, "U1", "changed on the way"), 1);
    r.socket.wait_ack(&again);
    assert_eq!(r.journaled("EvS1"), 1);
    r.lands(1, "EvS2", "1700000002.000100", "a second one");
    assert!(
        !r.texts()
            .iter()
            .any(|(_, x)| x.contains("changed on the way"))
    );
    let log = r.server.log();
    assert!(
        log.contains(
            "event EvS1 (message in C1LIVE) was already recorded: acknowledged again over Socket \
             Mode (retry 1: timeout)"
        ),
        "{log}"
    );

    // Every envelope was acknowledged exactly once, on the link it came on.
    let acks: Vec<Value> = r.socket.received(1);
    assert_eq!(acks.len(), 3, "{acks:?}");

    // Pings are answered.
    r.socket.ping(1);
    wait_until("a pong", || r.socket.pongs(1) >= 1);

    // Without a signing secret, Slack's HTTP route refuses everything; the site is still served.
    let body = message("EvH1", CH, "1700000003.000100", "U1", "over HTTP").to_string();
    let refused = post_signed(&r.server.addr, body.as_bytes()).unwrap();
    assert_eq!(refused.status, 401);
    assert_eq!(r.server.get("/live/").status, 200);
    assert_eq!(r.server.health()["ready"], true);
    assert!(
        log.contains("/slack/events refuses every HTTP request"),
        "{log}"
    );
    assert_eq!(r.slack.calls("apps.connections.open"), 1);
    let log = r.server.stop();
    assert!(log.contains("Socket Mode: stopped"), "{log}");
    assert!(r.socket.closed_by_client(1), "{log}");
}

#[test]
fn a_disconnect_is_answered_with_a_new_link_before_the_old_one_closes() {
    let r = rig(false);
    r.lands(1, "EvD1", "1700000001.000100", "before the refresh");
    for (old, reason) in [(1, "warning"), (2, "refresh_requested")] {
        r.socket.disconnect(old, reason);
        let new = r.socket.wait_link(old + 1);
        // The new link came up while the old one was still open, and then scrollback closed
        // the old one itself (Slack would have cut it).
        assert_eq!(r.socket.others_open_at_start(new), 1);
        wait_until(format!("link #{old} closed by scrollback"), || {
            r.socket.closed_by_client(old)
        });
        r.lands(
            new,
            &format!("EvD{}", new + 1),
            &format!("170000000{}.000100", new + 1),
            &format!("after the {reason}"),
        );
    }
    assert_eq!(r.slack.calls("apps.connections.open"), 3);
    assert_eq!(r.socket.refused(), 0, "every link used a fresh ticket");
    let log = r.server.log();
    assert!(
        log.contains("Slack asks to leave link #1 (warning"),
        "{log}"
    );
    assert!(log.contains("closing link #1, replaced by #2"), "{log}");
}

#[test]
fn a_lost_link_is_reconnected_and_http_and_socket_mode_share_one_journal() {
    let r = rig(true);
    r.lands(1, "EvL1", "1700000001.000100", "before the cut");
    // A network failure: no close frame.
    r.socket.cut(1);
    r.socket.wait_link(2);
    r.lands(2, "EvL2", "1700000002.000100", "after the cut");
    // Slack closing a link with a close frame.
    r.socket.close(2);
    r.socket.wait_link(3);
    r.lands(3, "EvL3", "1700000003.000100", "after the close");
    let log = r.server.log();
    assert!(log.contains("link #1 lost"), "{log}");
    assert!(log.contains("reconnecting in"), "{log}");

    // With a signing secret, HTTP events are taken too, through the same journal: an event
    // that came over the socket is not recorded again when it comes over HTTP.
    assert_eq!(
        r.server
            .post(&message("EvL1", CH, "1700000001.000100", "U1", "again")),
        200
    );
    assert_eq!(r.journaled("EvL1"), 1);
    let over_http = message("EvL4", CH, "1700000004.000100", "U1", "over HTTP");
    assert_eq!(r.server.post(&over_http), 200);
    wait_until("the HTTP event on the site", || {
        r.texts().iter().any(|(_, x)| x.contains("over HTTP"))
    });
}

#[test]
fn commands_and_shortcuts_over_socket_mode_are_acknowledged_with_an_answer() {
    let r = rig(false);
    let id = r.socket.send_command(1, "help", "U1", CH);
    let ack = r.socket.wait_ack(&id);
    assert_eq!(ack["envelope_id"], id.as_str());
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{ack}"
    );
    // An editor's shortcut acts as over HTTP: through the journal, onto the site.
    r.lands(1, "EvS1", "1700000001.000100", "to be hidden");
    let id = r
        .socket
        .send_shortcut(1, "scrollback_hide", CH, "1700000001.000100");
    assert_eq!(r.socket.wait_ack(&id)["envelope_id"], id.as_str());
    wait_until("the hidden message off the site", || {
        !r.texts().iter().any(|(_, x)| x.contains("to be hidden"))
    });
    let file =
        r.p.read("content/channels/live/messages/1700000001.000100.json");
    let record: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(record["hidden"], true, "{record}");
    assert_eq!(record["editorial"][0]["by"], "U1", "{record}");
}

#[test]
fn serve_refuses_to_start_socket_mode_without_a_usable_app_token() {
    let p = Project::init();
    let socket = FakeSocketMode::start();
    let slack = FakeSlack::start(Workspace::default());
    slack.enable_socket_mode(&socket);
    let run = |env: &[(String, String)]| {
        let out = scrollback(p.root(), &["serve", "--port", "0", "--socket-mode"], env)
            .env_remove("SLACK_SIGNING_SECRET")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!stdout.contains("Listening"), "{stdout}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let api = ("SLACK_API_URL".to_owned(), slack.api_url());
    let missing = run(std::slice::from_ref(&api));
    assert!(missing.contains("SLACK_APP_TOKEN"), "{missing}");
    let wrong = "xapp-1-A0FAKEAPP1-1-wrongtoken";
    let refused = run(&[api.clone(), ("SLACK_APP_TOKEN".into(), wrong.into())]);
    assert!(refused.contains("invalid_auth"), "{refused}");
    assert!(!refused.contains(wrong), "the token never shows: {refused}");
    let bot = run(&[api, ("SLACK_APP_TOKEN".into(), slack.token())]);
    assert!(bot.contains("app-level token (xapp-…)"), "{bot}");
    assert_eq!(socket.links(), 0);
}

#[test]
fn slack_sdk_socket_mode_client_reads_the_fakes_envelopes_and_acknowledges_them() {
    let Some(python) = python_with_slack_sdk() else {
        return;
    };
    let socket = FakeSocketMode::start();
    let slack = FakeSlack::start(Workspace::default());
    let token = slack.enable_socket_mode(&socket);
    let client = Command::new(&python)
        .arg(repo().join("tests/testsuite/socket_mode_sdk.py"))
        .args([&slack.api_url(), &token, "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    socket.wait_link(1);
    let first = message("EvP1", CH, "1700000001.000100", "U1", "to the SDK");
    let id1 = socket.send_event(1, &first, 0);
    let ack1 = socket.wait_ack(&id1);
    // The SDK follows a disconnect to a new link, as scrollback does.
    socket.disconnect(1, "refresh_requested");
    socket.wait_link(2);
    let id2 = socket.send_event(2, &message("EvP2", CH, "1700000002.000100", "U1", "x"), 0);
    let ack2 = socket.wait_ack(&id2);
    let out = client.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    assert_eq!(seen["done"], true, "{seen}");
    // hello on each link, then the envelopes as the SDK's SocketModeRequest reads them.
    assert_eq!(
        seen["types"],
        json!(["hello", "events_api", "hello", "events_api"]),
        "{seen}"
    );
    let request = &seen["requests"][0];
    assert_eq!(request["type"], "events_api");
    assert_eq!(request["envelope_id"], id1.as_str());
    assert_eq!(request["payload"], first);
    assert_eq!(request["retry_attempt"], 0);
    assert_eq!(seen["requests"][1]["envelope_id"], id2.as_str());
    // The SDK's acknowledgement is the shape scrollback sends.
    assert_eq!(ack1, json!({"envelope_id": id1}));
    assert_eq!(ack2, json!({"envelope_id": id2}));
    assert_eq!(slack.calls("apps.connections.open"), 2);
    assert_eq!(socket.refused(), 0);
}
