//! Re-hosted uploads beyond `files` itself (issue 13, item 3), through the real binary against
//! the fake Slack's file host: `import --files` with the `?t=xoxe-…` token an official export's
//! URLs carry (refused once expired, never written anywhere), an image's thumbnails kept and
//! shown with their own size, content types recorded in `meta.json` and served by the name
//! they gave the file, and a download that fails leaving the import landed and the file named.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::exports::{mini_export, write_zip};
use crate::support::project::{Project, snapshot};
use crate::support::server::{Server, post_signed};
use crate::support::slack_api::{Channel, FakeSlack, Workspace, png};
use crate::support::wait::wait_until;

/// Asserts `secret` is in no file under `root`.
fn nowhere_under(root: &Path, secret: &str) {
    for (path, bytes) in snapshot(root) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(secret), "{path} holds the token");
    }
}

fn meta(p: &Project, id: &str) -> Value {
    serde_json::from_str(&p.read(&format!("content/files/{id}/meta.json"))).unwrap()
}

/// A workspace with an 800×600 PNG, a PDF uploaded without an extension, and a text file,
/// with the file objects a message carries.
fn workspace_with_uploads() -> (Workspace, Vec<Value>) {
    let mut ws = Workspace::default();
    let files = vec![
        ws.add_file("F0CHART01", "chart.png", "image/png", png(800, 600)),
        ws.add_file(
            "F0REPORT1",
            "report",
            "application/pdf",
            b"%PDF-1.4\n% a report\n".to_vec(),
        ),
        ws.add_file("F0GONE001", "notes.txt", "text/plain", b"notes\n".to_vec()),
    ];
    (ws, files)
}

#[test]
fn import_files_keeps_uploads_with_the_exports_own_token_and_writes_it_nowhere() {
    let (ws, files) = workspace_with_uploads();
    let slack = FakeSlack::start(ws);
    let token = slack.export_file_token();
    let exported: Vec<Value> = files.iter().map(|f| slack.exported_file(f)).collect();
    let messages = json!([
        {"type": "message", "user": "U1", "text": "the chart and the report",
         "ts": "1520371464.000100", "files": [exported[0], exported[1]]},
        {"type": "message", "user": "U1", "text": "notes",
         "ts": "1520371500.000200", "files": [exported[2]]},
    ]);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("export.zip");
    write_zip(&zip, &mini_export("newsroom", messages));
    let zip = zip.to_str().unwrap();
    let p = Project::init();
    let mut outputs = Vec::new();

    // The export's links have expired: the import lands, no file is kept, each is named.
    slack.set_export_token("xoxe-1-2-a-newer-export");
    let out = p.run(&["import", zip, "--files"]);
    assert!(!out.status.success(), "files not kept must fail the run");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("the import landed"), "{err}");
    for name in ["chart.png (F0CHART01)", "report (F0REPORT1)", "notes.txt"] {
        assert!(err.contains(name), "{name} not named: {err}");
    }
    assert!(err.contains("login page"), "{err}");
    assert_eq!(p.snapshot("content/channels/newsroom/messages").len(), 2);
    assert!(p.snapshot("content/files").is_empty(), "a login page kept");
    outputs.push(out);

    // While the links work: the files are kept; one deleted on Slack is named, not fatal.
    slack.set_export_token(&token);
    slack.delete_file("F0GONE001");
    let out = p.run(&["import", zip, "--files"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stdout.contains("2 downloaded"), "{stdout}");
    assert!(
        err.contains("notes.txt (F0GONE001)") && err.contains("HTTP 404"),
        "{err}"
    );
    outputs.push(out);
    let kept: Vec<String> = p.snapshot("content/files").into_keys().collect();
    assert_eq!(
        kept,
        [
            "F0CHART01/chart.png",
            "F0CHART01/meta.json",
            "F0CHART01/thumb_360.png",
            "F0REPORT1/meta.json",
            "F0REPORT1/report.pdf",
        ],
        "the image with its thumbnail, the PDF under the name its type is served by"
    );
    let chart = meta(&p, "F0CHART01");
    assert_eq!(chart["content_type"], "image/png");
    assert_eq!(chart["name"], "chart.png");
    assert_eq!(
        chart["thumbs"]["360"],
        json!({"name": "thumb_360.png", "content_type": "image/png", "width": 360, "height": 270})
    );
    let report = meta(&p, "F0REPORT1");
    assert_eq!(
        (&report["name"], &report["content_type"]),
        (&json!("report.pdf"), &json!("application/pdf"))
    );

    // Again: what is kept is not fetched again.
    let calls = slack.calls("files");
    outputs.push(p.run(&["import", zip, "--files"]));
    assert_eq!(
        slack.calls("files"),
        calls + 1,
        "only the missing file is asked for"
    );

    // The page shows the thumbnail at its own size, linking to our copy; meta.json stays home.
    p.build();
    let page = p.page("site/newsroom/index.html");
    let thumb = page.select("a[href$='files/F0CHART01/chart.png'] img");
    assert_eq!(thumb.len(), 1, "the thumbnail links to the full copy");
    let img = thumb[0].value();
    assert!(
        img.attr("src")
            .unwrap()
            .ends_with("files/F0CHART01/thumb_360.png")
    );
    assert_eq!(
        (img.attr("width"), img.attr("height")),
        (Some("360"), Some("270"))
    );
    assert!(!p.exists("site/files/F0CHART01/meta.json"));
    let feed = p.feed("newsroom");
    let text = feed.to_string();
    assert!(text.contains("thumb_360.png"), "the feed has the thumbnail");
    let s = Server::start(&p);
    let served = s.get("/files/F0REPORT1/report.pdf");
    assert_eq!(served.header("content-type"), Some("application/pdf"));

    // The token is in no file of the project and in nothing the runs printed.
    nowhere_under(p.root(), &token);
    nowhere_under(p.root(), "xoxe-");
    for out in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains("xoxe-"), "a token printed: {text}");
        }
    }
}

/// `files` (the bot token) keeps an image's thumbnails and records its type too.
#[test]
fn files_keeps_thumbnails_and_content_types() {
    let (mut ws, files) = workspace_with_uploads();
    ws.channels.push(Channel {
        id: "C0DESK001".into(),
        name: "desk".into(),
        created: 1_500_000_000,
        members: vec![ws.bot_user_id.clone()],
        ..Channel::default()
    });
    let slack = FakeSlack::start(ws);
    slack.add_message(
        "C0DESK001",
        json!({"type": "message", "user": "U1", "text": "chart", "ts": "1520371464.000100",
               "files": [files[0]]}),
    );
    let p = Project::init();
    p.add_live_chat("C0DESK001", "desk", "Desk");
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".into(), "off".into()));
    p.ok_env(&["backfill", "desk"], &env);
    let out = p.ok_env(&["files"], &env);
    assert!(out.contains("1 downloaded"), "{out}");
    let kept: Vec<String> = p.snapshot("content/files").into_keys().collect();
    assert_eq!(
        kept,
        [
            "F0CHART01/chart.png",
            "F0CHART01/meta.json",
            "F0CHART01/thumb_360.png"
        ]
    );
    assert_eq!(meta(&p, "F0CHART01")["thumbs"]["360"]["width"], 360);
    p.build();
    let page = p.page("site/desk/index.html");
    let srcs = page.attrs("a[href$='files/F0CHART01/chart.png'] img", "src");
    assert!(
        srcs.len() == 1 && srcs[0].ends_with("thumb_360.png"),
        "{srcs:?}"
    );
    nowhere_under(p.root(), &slack.token());
}

/// With a token, `serve` keeps an upload shared in a published chat as the event arrives, and
/// republishes the message with our copy; an upload in a draft stays in Slack until published.
#[test]
fn serve_keeps_uploads_as_they_are_shared() {
    let (mut ws, files) = workspace_with_uploads();
    for (id, name) in [("C0DESK001", "desk"), ("C0DRAFT01", "draft")] {
        ws.channels.push(Channel {
            id: id.into(),
            name: name.into(),
            created: 1_500_000_000,
            members: vec![ws.bot_user_id.clone()],
            ..Channel::default()
        });
    }
    let slack = FakeSlack::start(ws);
    let p = Project::init();
    p.add_live_chat("C0DESK001", "desk", "Desk");
    p.ok(&[
        "channel",
        "add",
        "C0DRAFT01",
        "--slug",
        "draft",
        "--headline",
        "Draft",
    ]);
    p.ok(&["unpublish", "draft"]);
    let mut env = slack.env();
    env.push(("SCROLLBACK_SLACK_PACING".into(), "off".into()));
    let s = Server::start_with(&p, &[], &env);
    let shared = |id: &str, channel: &str, ts: &str, file: &Value| {
        let body = json!({"type": "event_callback", "event_id": id, "team_id": "T1",
            "event": {"type": "message", "subtype": "file_share", "channel": channel,
                "user": "U1", "text": "", "ts": ts, "event_ts": ts,
                "files": [slack.shared_file(file)]}});
        let answer = post_signed(&s.addr, body.to_string().as_bytes()).unwrap();
        assert_eq!(answer.status, 200);
    };
    shared("Ev0DRAFT1", "C0DRAFT01", "1520371400.000100", &files[1]);
    shared("Ev0SHARE1", "C0DESK001", "1520371464.000100", &files[0]);
    wait_until("the page shows our copy of the chart", || {
        s.get("/desk/")
            .text()
            .contains("files/F0CHART01/thumb_360.png")
    });
    assert!(p.exists("content/files/F0CHART01/chart.png"));
    assert!(
        !p.exists("content/files/F0REPORT1"),
        "a draft's upload was kept"
    );
    let log = s.stop();
    assert!(
        log.contains("kept upload F0CHART01 of desk/1520371464.000100"),
        "{log}"
    );
    nowhere_under(p.root(), &slack.token());
}
