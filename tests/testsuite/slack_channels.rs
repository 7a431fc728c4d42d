//! `channel add --name` and `--create`, and talking back to Slack (issue 13, items 4 and 6),
//! through the real binary against the fake Web API (support/slack_api.rs): a channel found by
//! name across pages, a typo answered with the nearest name, a channel created with its team
//! invited and an intro that explains the comment tag, announcements off by default, and a post
//! Slack refuses leaving the state change in place. No command may print or write the token.

use serde_json::{Value, json};

use crate::support::project::Project;
use crate::support::slack_api::{Channel, FakeSlack, Workspace};

/// The fake's environment, without tier pacing (a stand-in answers at once).
fn env(slack: &FakeSlack) -> Vec<(String, String)> {
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".to_owned(), "off".to_owned()));
    env
}

/// Runs a command that must succeed: (stdout, stderr), neither holding the token.
fn ok(p: &Project, args: &[&str], slack: &FakeSlack) -> (String, String) {
    let out = p.run_env(args, &env(slack));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "scrollback {args:?} failed:\n{stderr}"
    );
    assert_no_token(slack, &stdout, &stderr);
    (stdout, stderr)
}

/// Runs a command that must fail: its stderr, without the token.
fn fails(p: &Project, args: &[&str], slack: &FakeSlack) -> String {
    let out = p.run_env(args, &env(slack));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !out.status.success(),
        "scrollback {args:?} should have failed:\n{stdout}"
    );
    assert_no_token(slack, &stdout, &stderr);
    stderr
}

fn assert_no_token(slack: &FakeSlack, stdout: &str, stderr: &str) {
    let token = slack.token();
    assert!(!stdout.contains(&token), "the token on stdout: {stdout}");
    assert!(!stderr.contains(&token), "the token on stderr: {stderr}");
}

/// No file anywhere in the project holds the token.
fn assert_token_in_no_file(p: &Project, slack: &FakeSlack) {
    let token = slack.token();
    let files = p.snapshot("");
    assert!(files.contains_key("scrollback.toml"), "{:?}", files.keys());
    for (path, bytes) in files {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&token),
            "the token in {path}"
        );
    }
}

fn settings(p: &Project, slug: &str) -> String {
    p.read(&format!("content/channels/{slug}/channel.toml"))
}

/// Sets `base_url` (when given) and `[slack] announce` in scrollback.toml, and adds `lines` to
/// its end: its last table, `[slack]`.
fn configure(p: &Project, base_url: Option<&str>, announce: bool, lines: &str) {
    let mut text = p.read("scrollback.toml");
    if let Some(url) = base_url {
        text = text.replace("base_url = \"\"", &format!("base_url = \"{url}\""));
    }
    text = text.replace("announce = false", &format!("announce = {announce}"));
    assert!(
        text.trim_end()
            .rsplit("\n[")
            .next()
            .unwrap()
            .starts_with("slack]")
    );
    p.write("scrollback.toml", &format!("{text}\n{lines}\n"));
}

fn user(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "real_name": name, "deleted": false, "is_bot": false,
        "profile": {"real_name": name, "display_name": name}})
}

/// A workspace of many channels (more than a page), one of them with a topic, one private
/// without the app, two people.
fn newsroom() -> Workspace {
    let mut ws = Workspace::default();
    for n in 0..7 {
        ws.add_channel(&format!("C0DESK{n:04}"), &format!("desk-{n}"));
    }
    ws.add_conversation(Channel {
        id: "C0SOTU0001".into(),
        name: "sotu-2026".into(),
        topic: "Live: the State of the Union".into(),
        purpose: "Our reporters & editors".into(),
        created: 1_767_000_000,
        members: vec![ws.bot_user_id.clone()],
        ..Channel::default()
    });
    ws.add_conversation(Channel {
        id: "C0SECRET01".into(),
        name: "secret-plans".into(),
        is_private: true,
        members: vec!["U0ALICE".into()],
        ..Channel::default()
    });
    ws.add_user(user("U0ALICE", "alice"));
    ws.add_user(user("U0BOB", "bob"));
    ws
}

#[test]
fn add_by_name_finds_the_channel_across_pages_and_a_typo_names_the_nearest() {
    let slack = FakeSlack::start(newsroom());
    slack.set_page_limit(3);
    let p = Project::init();
    let (out, _) = ok(
        &p,
        &[
            "channel",
            "add",
            "--name",
            "#sotu-2026",
            "--headline",
            "State of the Union",
        ],
        &slack,
    );
    assert!(
        out.contains("Added chat `sotu-2026` for #sotu-2026 (C0SOTU0001) (live)"),
        "{out}"
    );
    assert!(slack.calls("conversations.list") >= 3, "paged by 3");
    let toml = settings(&p, "sotu-2026");
    assert!(toml.contains("channel_id = \"C0SOTU0001\""), "{toml}");
    assert!(toml.contains("headline = \"State of the Union\""), "{toml}");
    assert!(toml.contains("name = \"sotu-2026\""), "{toml}");
    assert!(
        toml.contains("topic = \"Live: the State of the Union\""),
        "{toml}"
    );
    assert!(
        toml.contains("purpose = \"Our reporters & editors\""),
        "{toml}"
    );
    assert!(toml.contains("kind = \"public\""), "{toml}");
    let list = slack
        .requests()
        .into_iter()
        .find(|(m, _)| m == "conversations.list")
        .unwrap()
        .1;
    assert_eq!(list["types"], "public_channel,private_channel");
    assert_eq!(list["exclude_archived"], "true");

    // A typo: nothing written, and the nearest name.
    let before = p.snapshot("content");
    let err = fails(
        &p,
        &["channel", "add", "--name", "desk-12", "--headline", "x"],
        &slack,
    );
    assert!(err.contains("no channel named #desk-12"), "{err}");
    assert!(err.contains("Did you mean #desk-1?"), "{err}");
    // A private channel the app was not invited to cannot be seen: the error says why.
    let err = fails(
        &p,
        &[
            "channel",
            "add",
            "--name",
            "secret-plans",
            "--headline",
            "x",
        ],
        &slack,
    );
    assert!(err.contains("no channel named #secret-plans"), "{err}");
    assert!(err.contains("/invite @your-app"), "{err}");
    assert!(!err.contains("Did you mean"), "{err}");
    // The same channel again, under another slug.
    let err = fails(
        &p,
        &[
            "channel",
            "add",
            "--name",
            "sotu-2026",
            "--slug",
            "again",
            "--headline",
            "x",
        ],
        &slack,
    );
    assert!(err.contains("already the chat `sotu-2026`"), "{err}");
    assert_eq!(p.snapshot("content"), before);

    // Without a token, --name says what it needs.
    let err = p.fails(&["channel", "add", "--name", "desk-1", "--headline", "x"]);
    assert!(
        err.contains("no Slack token") && err.contains("SLACK_BOT_TOKEN"),
        "{err}"
    );
    assert_token_in_no_file(&p, &slack);
}

#[test]
fn add_by_id_reads_slack_with_a_token_and_nothing_without() {
    let slack = FakeSlack::start(newsroom());
    let p = Project::init();

    // Without a token: exactly as before, no Web API call, an empty [slack] name.
    let out = p.ok(&[
        "channel",
        "add",
        "C0DESK0001",
        "--slug",
        "desk",
        "--headline",
        "Desk",
    ]);
    assert!(
        out.contains("Added chat `desk` for C0DESK0001 (live)"),
        "{out}"
    );
    assert!(settings(&p, "desk").contains("name = \"\""));
    assert_eq!(slack.requests().len(), 0, "{:?}", slack.requests());

    // With one: conversations.info fills the [slack] table, and --slug may be left out.
    let (out, err) = ok(
        &p,
        &[
            "channel",
            "add",
            "C0SOTU0001",
            "--headline",
            "SOTU",
            "--draft",
        ],
        &slack,
    );
    assert!(out.contains("Added chat `sotu-2026`"), "{out}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(slack.calls("conversations.info"), 1);
    let toml = settings(&p, "sotu-2026");
    assert!(
        toml.contains("topic = \"Live: the State of the Union\""),
        "{toml}"
    );
    assert!(toml.contains("state = \"draft\""), "{toml}");

    // Slack not knowing the id is a warning: the id form works without Slack.
    let (out, err) = ok(
        &p,
        &[
            "channel",
            "add",
            "C0GONE0001",
            "--slug",
            "gone",
            "--headline",
            "Gone",
        ],
        &slack,
    );
    assert!(out.contains("Added chat `gone`"), "{out}");
    assert!(
        err.contains("warning") && err.contains("channel_not_found"),
        "{err}"
    );
    // Without a token and without --slug there is no name to use.
    let err = p.fails(&["channel", "add", "C0DESK0002", "--headline", "x"]);
    assert!(err.contains("--slug is needed"), "{err}");
    assert_token_in_no_file(&p, &slack);
}

#[test]
fn create_makes_the_channel_invites_the_team_and_posts_the_intro() {
    let slack = FakeSlack::start(newsroom());
    let p = Project::init();
    configure(&p, Some("https://news.example/chats/"), false, "");
    let (out, err) = ok(
        &p,
        &[
            "channel",
            "add",
            "--create",
            "election-night",
            "--headline",
            "Election night",
            "--invite",
            "U0ALICE,U0BOB",
        ],
        &slack,
    );
    assert!(err.is_empty(), "{err}");
    assert!(out.contains("Added chat `election-night`"), "{out}");
    assert!(out.contains("Invited U0ALICE, U0BOB"), "{out}");
    let channel = slack
        .conversation("election-night")
        .expect("created in Slack");
    let id = channel["id"].as_str().unwrap();
    assert_eq!(channel["is_private"], false);
    for member in ["U0ALICE", "U0BOB"] {
        assert!(
            channel["members"]
                .as_array()
                .unwrap()
                .contains(&json!(member)),
            "{channel}"
        );
    }
    let toml = settings(&p, "election-night");
    assert!(toml.contains(&format!("channel_id = \"{id}\"")), "{toml}");
    assert!(toml.contains("state = \"live\""), "{toml}");

    let posted = slack.posted();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["channel"], id);
    let intro = posted[0]["text"].as_str().unwrap();
    // The comment tag, escaped as Slack wants `<` and `>` so it shows as itself.
    assert!(intro.contains("`&lt;#&gt;`"), "{intro}");
    assert!(
        intro.contains("https://news.example/chats/election-night/"),
        "{intro}"
    );
    assert!(intro.contains("Election night"), "{intro}");

    // A name Slack has already: a clear error pointing at --name, and nothing written.
    let before = p.snapshot("content");
    let err = fails(
        &p,
        &["channel", "add", "--create", "sotu-2026", "--headline", "x"],
        &slack,
    );
    assert!(err.contains("name_taken"), "{err}");
    assert!(err.contains("channel add --name sotu-2026"), "{err}");
    // A malformed user id is refused before Slack is asked to create anything.
    let err = fails(
        &p,
        &[
            "channel",
            "add",
            "--create",
            "other",
            "--headline",
            "x",
            "--invite",
            "@alice",
        ],
        &slack,
    );
    assert!(err.contains("not a Slack user id"), "{err}");
    assert!(slack.conversation("other").is_none());
    assert_eq!(p.snapshot("content"), before);

    // Private, with its own comment tag, without a URL (no base_url), and --no-intro.
    let q = Project::init();
    let text = q
        .read("scrollback.toml")
        .replace("comment_tag = \"<#>\"", "comment_tag = \"[off]\"");
    q.write("scrollback.toml", &text);
    ok(
        &q,
        &[
            "channel",
            "add",
            "--create",
            "desk-private",
            "--slug",
            "desk",
            "--headline",
            "Desk",
            "--private",
            "--draft",
        ],
        &slack,
    );
    assert_eq!(
        slack.conversation("desk-private").unwrap()["is_private"],
        true
    );
    let toml = settings(&q, "desk");
    assert!(
        toml.contains("kind = \"private\"") && toml.contains("state = \"draft\""),
        "{toml}"
    );
    let intro = slack.posted()[1]["text"].as_str().unwrap().to_owned();
    assert!(intro.contains("[off]"), "{intro}");
    assert!(!intro.contains("http"), "no URL without base_url: {intro}");
    ok(
        &q,
        &[
            "channel",
            "add",
            "--create",
            "quiet-one",
            "--headline",
            "Q",
            "--no-intro",
        ],
        &slack,
    );
    assert_eq!(slack.posted().len(), 2, "--no-intro posts nothing");
    assert_token_in_no_file(&p, &slack);
    assert_token_in_no_file(&q, &slack);
}

#[test]
fn announcements_are_off_by_default_and_on_post_the_url() {
    let slack = FakeSlack::start(newsroom());
    let p = Project::init();
    for (id, slug) in [
        ("C0DESK0000", "zero"),
        ("C0DESK0001", "one"),
        ("C0DESK0002", "two"),
    ] {
        ok(
            &p,
            &[
                "channel",
                "add",
                id,
                "--slug",
                slug,
                "--headline",
                slug,
                "--draft",
            ],
            &slack,
        );
    }
    ok(&p, &["publish", "zero"], &slack);
    ok(&p, &["archive", "zero"], &slack);
    assert!(slack.posted().is_empty(), "announce is off by default");

    configure(&p, Some("https://news.example/chats"), true, "");
    let (out, _) = ok(&p, &["publish", "one"], &slack);
    assert!(
        out.contains("Posted to the Slack channel of `one`"),
        "{out}"
    );
    let (_, _) = ok(&p, &["archive", "one"], &slack);
    let (_, _) = ok(&p, &["publish", "two", "--archived"], &slack);
    ok(
        &p,
        &[
            "channel",
            "add",
            "C0DESK0003",
            "--slug",
            "three",
            "--headline",
            "Three",
        ],
        &slack,
    );
    let posted: Vec<(String, String)> = slack
        .posted()
        .iter()
        .map(|m| {
            (
                m["channel"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(posted.len(), 4, "{posted:?}");
    assert_eq!(posted[0].0, "C0DESK0001");
    assert!(
        posted[0]
            .1
            .contains("is now live at https://news.example/chats/one/"),
        "{posted:?}"
    );
    assert!(
        posted[1]
            .1
            .contains("is archived: it stays at https://news.example/chats/one/"),
        "{posted:?}"
    );
    assert_eq!(posted[2].0, "C0DESK0002");
    assert!(
        posted[2]
            .1
            .contains("is published at https://news.example/chats/two/"),
        "{posted:?}"
    );
    assert_eq!(posted[3].0, "C0DESK0003");
    assert!(
        posted[3]
            .1
            .contains("now live at https://news.example/chats/three/"),
        "{posted:?}"
    );

    // Configured texts, and a state that does not change posts nothing.
    configure(
        &p,
        None,
        true,
        "live = \"Follow {headline} at {url} ({comment_tag} stays here)\"",
    );
    ok(&p, &["unpublish", "one"], &slack);
    ok(&p, &["publish", "one", "--live"], &slack);
    ok(&p, &["publish", "one"], &slack);
    let last = slack.posted();
    assert_eq!(last.len(), 5, "{last:?}");
    assert_eq!(
        last[4]["text"],
        "Follow one at https://news.example/chats/one/ (&lt;#&gt; stays here)"
    );
    assert_token_in_no_file(&p, &slack);
}

#[test]
fn a_post_slack_refuses_is_a_warning_and_the_state_change_stands() {
    let slack = FakeSlack::start(newsroom());
    let p = Project::init();
    configure(&p, Some("https://news.example"), true, "");
    ok(
        &p,
        &[
            "channel",
            "add",
            "C0DESK0001",
            "--slug",
            "one",
            "--headline",
            "One",
            "--draft",
        ],
        &slack,
    );

    slack.fail_next("chat.postMessage", "not_in_channel");
    let (out, err) = ok(&p, &["publish", "one"], &slack);
    assert!(out.contains("`one` is now live"), "{out}");
    assert!(
        err.contains("warning") && err.contains("/invite @your-app"),
        "{err}"
    );
    assert!(settings(&p, "one").contains("state = \"live\""));

    slack.fail_next("chat.postMessage", "missing_scope");
    let (out, err) = ok(&p, &["archive", "one"], &slack);
    assert!(out.contains("`one` is now archived"), "{out}");
    assert!(err.contains("`chat:write`"), "{err}");
    assert!(settings(&p, "one").contains("state = \"archived\""));

    // No token at all: the change is made, and the warning says why nothing was posted.
    p.ok(&["unpublish", "one"]);
    let out = p.run(&["publish", "one"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLACK_BOT_TOKEN is not set"), "{err}");
    assert!(settings(&p, "one").contains("state = \"live\""));
    assert!(slack.posted().is_empty(), "{:?}", slack.posted());

    // The intro of --create fails the same way: a warning, the channel and chat stay.
    slack.fail_next("chat.postMessage", "not_in_channel");
    let (out, err) = ok(
        &p,
        &[
            "channel",
            "add",
            "--create",
            "late-night",
            "--headline",
            "Late",
        ],
        &slack,
    );
    assert!(out.contains("Added chat `late-night`"), "{out}");
    assert!(err.contains("/invite @your-app"), "{err}");
    assert!(p.exists("content/channels/late-night/channel.toml"));
    assert_token_in_no_file(&p, &slack);
}
