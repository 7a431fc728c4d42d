//! "Add to Slack" (issue 14, requirement 6) through the real `serve`: the install page and its
//! scopes, the `state` checks of the callback (missing, another browser's, made up, used twice,
//! issued before a restart), a cancelled install, and good installs in two workspaces through a
//! fake `oauth.v2.access` (support/slack_api/oauth.rs), each workspace then answered with its
//! own bot token, which appears nowhere but in its 0600 installation file. The state's ten-minute
//! expiry is unit-tested (src/serve/oauth/state.rs).

use std::path::Path;

use serde_json::{Value, json};

use crate::support::http::{Response, request};
use crate::support::project::Project;
use crate::support::server::{SECRET, Server};
use crate::support::slack::{callback, now, sign};
use crate::support::slack_api::{Channel, FakeSlack, Workspace};
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";
const EDITOR: &str = "U0EDITOR";
const CLIENT_ID: &str = "1234567890.2468";
const CLIENT_SECRET: &str = "client-secret-5f2d9c0e";
const REDIRECT: &str = "http://localhost/slack/oauth/callback";

/// A live chat for [`CH`], [`EDITOR`] an editor, announcements on.
fn project() -> Project {
    let p = Project::init();
    let config = p.read("scrollback.toml").replacen(
        "base_url = \"\"",
        &format!("base_url = \"https://news.example/chats\"\neditors = [\"{EDITOR}\"]"),
        1,
    );
    p.write(
        "scrollback.toml",
        &config.replace("announce = false", "announce = true"),
    );
    p.add_live_chat(CH, "live", "Live test");
    p
}

fn slack() -> FakeSlack {
    let mut ws = Workspace::default();
    ws.add_conversation(Channel {
        id: CH.into(),
        name: "live-chat".into(),
        created: 1_500_000_000,
        members: vec!["UFAKEAPP1".into(), EDITOR.into()],
        ..Channel::default()
    });
    let slack = FakeSlack::start(ws);
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET);
    slack
}

/// `serve` with the fake's API and bot token and the app's client credentials.
fn start(p: &Project, slack: &FakeSlack) -> Server {
    start_with_bot_token(p, slack, true)
}

fn start_with_bot_token(p: &Project, slack: &FakeSlack, bot_token: bool) -> Server {
    let mut env = slack.env();
    env.retain(|(k, _)| bot_token || k != "SLACK_BOT_TOKEN");
    env.extend([
        ("SCROLLBACK_SLACK_PACING".into(), "off".into()),
        ("SLACK_CLIENT_ID".into(), CLIENT_ID.into()),
        ("SLACK_CLIENT_SECRET".into(), CLIENT_SECRET.into()),
        ("SLACK_REDIRECT_URI".into(), REDIRECT.into()),
        (
            "SLACK_OAUTH_URL".into(),
            format!("http://{}/oauth/v2/authorize", slack.addr()),
        ),
    ]);
    Server::start_with(p, &[], &env)
}

/// The install page: the browser's state cookie (`name=value`) and the authorize link.
struct Started {
    cookie: String,
    state: String,
    link: reqwest::Url,
    page: String,
}

fn start_install(s: &Server) -> Started {
    let r = s.get("/slack/install");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.header("content-security-policy").is_some());
    let set_cookie = r.header("set-cookie").expect("a state cookie").to_owned();
    for part in ["HttpOnly", "SameSite=Lax", "Max-Age=600"] {
        assert!(set_cookie.contains(part), "{part} in {set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http here: {set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = r.text();
    let html = scraper::Html::parse_document(&page);
    let link = html
        .select(&scraper::Selector::parse("a#add-to-slack").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("the Add to Slack link")
        .to_owned();
    let link = reqwest::Url::parse(&link).unwrap();
    let state = query(&link, "state").expect("a state in the link");
    assert_eq!(cookie, format!("scrollback_slack_state={state}"));
    Started {
        cookie,
        state,
        link,
        page,
    }
}

fn query(url: &reqwest::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The browser coming back from Slack to the callback with `query`, and `cookie` if any.
fn come_back(s: &Server, query: &str, cookie: Option<&str>) -> Response {
    let headers: Vec<(&str, String)> = cookie
        .map(|c| ("Cookie", c.to_owned()))
        .into_iter()
        .collect();
    request(
        &s.addr,
        "GET",
        &format!("/slack/oauth/callback?{query}"),
        &headers,
        b"",
    )
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn without_client_credentials_there_is_no_install() {
    let p = project();
    let s = Server::start(&p);
    assert_eq!(s.get("/slack/install").status, 404);
    assert_eq!(s.get("/slack/oauth/callback?code=x&state=y").status, 404);
    let log = s.stop();
    assert!(
        log.contains(
            "no SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: /slack/install (Add to Slack) is off"
        ),
        "{log}"
    );
    assert!(
        log.contains("GET /slack/install: 404, Add to Slack is off"),
        "{log}"
    );
}

#[test]
fn the_install_page_says_what_the_app_may_do_and_bad_states_install_nothing() {
    let slack = slack();
    let p = project();
    let s = start(&p, &slack);
    let started = start_install(&s);

    // The link goes to the authorize page with the app, its scopes, the callback and the state.
    let link = &started.link;
    assert_eq!(
        format!("{}{}", link.origin().ascii_serialization(), link.path()),
        format!("http://{}/oauth/v2/authorize", slack.addr())
    );
    assert_eq!(query(link, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(query(link, "redirect_uri").as_deref(), Some(REDIRECT));
    let scopes = query(link, "scope").unwrap();
    let html = scraper::Html::parse_document(&started.page);
    let listed: Vec<String> = html
        .select(&scraper::Selector::parse("tbody tr td:first-child code").unwrap())
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(scopes.split(',').collect::<Vec<_>>(), listed);
    for scope in [
        "channels:history",
        "commands",
        "chat:write",
        "reactions:read",
    ] {
        assert!(listed.iter().any(|l| l == scope), "{scope} in {listed:?}");
    }
    assert!(!started.page.contains("<script") && !started.page.contains("style="));
    assert!(!started.page.contains(CLIENT_SECRET));

    // Slack's code, but a state that does not hold: 400, nothing installed, and the state is
    // still good for its own browser.
    let code = slack.approve_install("T0AAA", "Team A", EDITOR, Some(REDIRECT));
    let state = &started.state;
    let refusals = [
        (format!("code={code}"), Some(started.cookie.clone())),
        (format!("code={code}&state={state}"), None),
        (
            format!("code={code}&state={state}"),
            Some("scrollback_slack_state=someone-elses".to_owned()),
        ),
        (
            format!("code={code}&state=made-up"),
            Some("scrollback_slack_state=made-up".to_owned()),
        ),
    ];
    for (query, cookie) in &refusals {
        let r = come_back(&s, query, cookie.as_deref());
        assert_eq!(r.status, 400, "{query} {cookie:?}: {}", r.text());
        assert!(r.text().contains("Start again"), "{}", r.text());
        assert!(r.text().contains("Nothing was installed"), "{}", r.text());
    }
    assert_eq!(slack.calls("oauth.v2.access"), 0);
    assert!(!p.exists(".scrollback/installations/T0AAA.json"));

    // Cancelled in Slack: a clear page, nothing installed, and the state is used up.
    let r = come_back(
        &s,
        &format!("error=access_denied&state={state}"),
        Some(&started.cookie),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("The install was cancelled in Slack"),
        "{}",
        r.text()
    );
    let r = come_back(
        &s,
        &format!("code={code}&state={state}"),
        Some(&started.cookie),
    );
    assert_eq!(r.status, 400, "a state serves once");

    // A state from before a restart is unknown.
    let again = start_install(&s);
    let log = s.stop();
    assert!(log.contains("an unknown or already used state"), "{log}");
    let s = start(&p, &slack);
    let r = come_back(
        &s,
        &format!("code={code}&state={}", again.state),
        Some(&again.cookie),
    );
    assert_eq!(r.status, 400);
    assert_eq!(slack.calls("oauth.v2.access"), 0);
    assert!(!p.path(".scrollback/installations").exists());
    s.stop();
}

/// Installs the app in `team` through the page and the callback; the success page.
fn install(s: &Server, slack: &FakeSlack, team: &str, name: &str) -> String {
    let started = start_install(s);
    let code = slack.approve_install(team, name, EDITOR, Some(REDIRECT));
    let r = come_back(
        s,
        &format!("code={code}&state={}", started.state),
        Some(&started.cookie),
    );
    assert_eq!(r.status, 200, "{}\n{}", r.text(), s.log());
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    r.text()
}

/// A signed `/scrollback` from `team`.
fn command(s: &Server, team: &str, text: &str, response_url: &str) -> Value {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("team_id", team),
            ("channel_id", CH),
            ("user_id", EDITOR),
            ("command", "/scrollback"),
            ("text", text),
            ("response_url", response_url),
        ])
        .finish();
    let ts = now().to_string();
    let r = request(
        &s.addr,
        "POST",
        "/slack/commands",
        &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("X-Slack-Signature", sign(SECRET, &ts, body.as_bytes())),
            ("X-Slack-Request-Timestamp", ts),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_slice(&r.body).unwrap()
}

/// An `app_mention` from `team`.
fn mention(id: &str, team: &str, ts: &str) -> Value {
    let mut event = callback(
        id,
        json!({"type": "app_mention", "user": EDITOR, "text": "<@UFAKEAPP1> status",
               "ts": ts, "channel": CH, "event_ts": ts}),
    );
    event["team_id"] = json!(team);
    event
}

#[test]
fn installed_workspaces_are_answered_with_their_own_token_kept_private() {
    use std::os::unix::fs::PermissionsExt;
    let slack = slack();
    let p = project();
    let s = start(&p, &slack);

    let page_a = install(&s, &slack, "T0AAA", "Team A");
    assert!(
        page_a.contains("installed in <strong>Team A</strong>"),
        "{page_a}"
    );
    assert!(page_a.contains("/invite"), "{page_a}");
    assert!(page_a.contains("scrollback channel add"), "{page_a}");
    let page_b = install(&s, &slack, "T0BBB", "Team B &lt;b&gt;");
    assert!(
        page_b.contains("Team B &amp;lt;b&amp;gt;"),
        "escaped: {page_b}"
    );
    let (token_a, token_b) = (
        slack.installed_tokens("T0AAA").pop().unwrap(),
        slack.installed_tokens("T0BBB").pop().unwrap(),
    );
    // The fake checked the credentials, the code and the redirect URI; the secret went as a
    // form field and is kept out of the fake's record.
    let access: Vec<_> = slack
        .requests()
        .into_iter()
        .filter(|(m, _)| m == "oauth.v2.access")
        .collect();
    assert_eq!(access.len(), 2);
    assert_eq!(access[0].1["client_id"], CLIENT_ID);
    assert_eq!(access[0].1["redirect_uri"], REDIRECT);

    // One private file per workspace, outside content/ and site/.
    let folder = p.path(".scrollback/installations");
    assert_eq!(
        std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let file = folder.join("T0BBB.json");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let kept: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(kept["team_id"], "T0BBB");
    assert_eq!(kept["team_name"], "Team B &lt;b&gt;");
    assert_eq!(kept["bot_user_id"], "UFAKEAPP1");
    assert_eq!(kept["installed_by"], EDITOR);
    assert!(kept["scopes"].as_array().unwrap().len() > 5);
    assert!(kept["installed_at"].as_str().unwrap().ends_with('Z'));

    // A command from workspace B: its answer, and the channel told with B's token.
    let answer = command(&s, "T0BBB", "archive", &slack.response_url("b1"));
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("Making `live` archived"),
        "{answer}"
    );
    wait_until("the announcement", || {
        Some(slack.tokens_used("chat.postMessage")).filter(|t| !t.is_empty())
    });
    assert_eq!(
        slack.tokens_used("chat.postMessage"),
        std::slice::from_ref(&token_b)
    );

    // A mention from workspace A is answered with A's token; one from a workspace with no
    // installation with SLACK_BOT_TOKEN's.
    assert_eq!(s.post(&mention("EvA1", "T0AAA", "1700000001.000100")), 200);
    wait_until("the answer to A", || {
        Some(slack.tokens_used("chat.postEphemeral")).filter(|t| !t.is_empty())
    });
    assert_eq!(s.post(&mention("EvZ1", "T0ZZZ", "1700000002.000100")), 200);
    wait_until("the answer to Z", || {
        Some(slack.tokens_used("chat.postEphemeral")).filter(|t| t.len() == 2)
    });
    assert_eq!(
        slack.tokens_used("chat.postEphemeral"),
        [token_a.clone(), slack.token()]
    );

    // A restart reads the installations back.
    let log = s.stop();
    let s = start(&p, &slack);
    assert_eq!(s.post(&mention("EvB2", "T0BBB", "1700000003.000100")), 200);
    wait_until("the answer to B", || {
        Some(slack.tokens_used("chat.postEphemeral")).filter(|t| t.len() == 3)
    });
    assert_eq!(slack.tokens_used("chat.postEphemeral")[2], token_b);
    let log = log + &s.stop();
    assert!(
        log.contains("installed in Team A (T0AAA) by U0EDITOR"),
        "{log}"
    );

    // The tokens and the secret are nowhere else: not in the log, not in the project's other
    // files (content/, site/, the journal).
    for secret in [token_a.as_str(), token_b.as_str(), CLIENT_SECRET] {
        assert!(!log.contains(secret), "{secret} in the log");
        for path in walk(p.root()) {
            if path.starts_with(&folder) {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
}

/// A newsroom that installs with "Add to Slack" and sets no SLACK_BOT_TOKEN: its one
/// installation does serve's background work, so what Slack got while serve was down still
/// reaches the site.
#[test]
fn the_one_installed_workspace_is_caught_up_with_without_a_bot_token() {
    let p = project();
    let slack = slack();
    let s = start_with_bot_token(&p, &slack, false);
    assert!(s.log().contains("no SLACK_BOT_TOKEN"), "{}", s.log());
    install(&s, &slack, "T0NEWS01", "Newsroom");
    s.stop();

    let ts = format!("{}.000100", now());
    slack.add_message(
        CH,
        json!({"type": "message", "user": EDITOR, "text": "sent while serve was down", "ts": ts}),
    );
    let s = start_with_bot_token(&p, &slack, false);
    wait_until("the missed message on the site", || {
        s.get("/live/").text().contains("sent while serve was down")
    });
    let log = s.stop();
    assert!(
        log.contains("catching up, names and uploads with the installation in Newsroom (T0NEWS01)"),
        "{log}"
    );
    let token = slack.installed_tokens("T0NEWS01");
    let used = slack.tokens_used("conversations.history");
    assert!(
        !used.is_empty() && used.iter().all(|t| token.contains(t)),
        "history was read with the installation's token"
    );
}
