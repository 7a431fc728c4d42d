//! `scrollback import` through the real binary, on the real official export, synthetic exports
//! with exact counts, and hand-made hostile archives.

use serde_json::json;

use crate::support::exports::{mini_export, official_export, synthetic_export, write_zip};
use crate::support::project::Project;

#[test]
fn official_export_imports_every_message_without_tokens() {
    let p = Project::init();
    p.import(&official_export());
    // 158 messages in the two channels of the real export.
    assert_eq!(
        p.count_files("content/channels/enrique/messages", ".json")
            + p.count_files("content/channels/traveling-sailor/messages", ".json"),
        158
    );
    // The 4 people of users.json, and the 3 bots its `bot_add` notices name (issue 13).
    assert_eq!(p.count_files("content/users", ".json"), 7);
    let bot: serde_json::Value =
        serde_json::from_str(&p.read("content/users/B0JL6RASU.json")).unwrap();
    assert_eq!(bot["name"], "github");
    let settings = p.read("content/channels/enrique/channel.toml");
    assert!(
        settings.contains("channel_id = \"C0JGLMMNX\""),
        "{settings}"
    );
    assert!(
        settings.contains("state = \"archived\""),
        "public channels are published as archives"
    );
    for (path, bytes) in p.snapshot("content") {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("xoxe-"),
            "token left in {path}"
        );
    }
    // The archive carried tokens to begin with, on file URLs.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(official_export()).unwrap()).unwrap();
    let mut day = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("traveling-sailor/2016-03-26.json").unwrap(),
        &mut day,
    )
    .unwrap();
    let tokens = day.matches("?t=xoxe-").count();
    assert!(tokens > 0);
    let stored = p.read("content/channels/traveling-sailor/messages/1459052866.000012.json");
    assert!(
        stored.contains("\"url_private\": \"https://files.slack.com/files-pri/"),
        "{stored}"
    );
}

#[test]
fn importing_twice_changes_no_byte() {
    let p = Project::init();
    p.import(&official_export());
    let before = p.snapshot("content");
    let out = p.ok(&["import", official_export().to_str().unwrap()]);
    assert!(out.contains("0 new, 0 updated, 158 unchanged"), "{out}");
    assert_eq!(p.snapshot("content"), before);
}

#[test]
fn synthetic_export_matches_its_manifest() {
    let (zip, manifest) = synthetic_export(1500, 4, 7, true);
    let p = Project::init();
    p.import(&zip);
    let mut total = 0;
    for (name, ch) in manifest["channels"].as_object().unwrap() {
        let id = ch["id"].as_str().unwrap();
        let slug_dir = p
            .snapshot("content/channels")
            .into_iter()
            .find(|(path, bytes)| {
                path.ends_with("channel.toml")
                    && String::from_utf8_lossy(bytes).contains(&format!("channel_id = \"{id}\""))
            })
            .map(|(path, _)| path.trim_end_matches("/channel.toml").to_owned())
            .unwrap_or_else(|| panic!("no chat for {name}"));
        let n = p.count_files(&format!("content/channels/{slug_dir}/messages"), ".json");
        assert_eq!(n as u64, ch["messages"].as_u64().unwrap(), "{name}");
        total += n;
        let settings = p.read(&format!("content/channels/{slug_dir}/channel.toml"));
        let want = if ch["kind"] == "public" {
            "archived"
        } else {
            "draft"
        };
        assert!(
            settings.contains(&format!("state = \"{want}\"")),
            "{name}: {settings}"
        );
    }
    assert_eq!(
        total as u64,
        manifest["counts"]["messages"].as_u64().unwrap()
    );
}

#[test]
fn a_larger_export_adds_messages_and_keeps_editors_changes() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    // The earlier export: one day fewer.
    let first = mini_export(
        "live-night",
        json!([
            {"type": "message", "user": "U1", "text": "first", "ts": "1520371464.000100"}
        ]),
    );
    let later = mini_export(
        "live-night",
        json!([
            {"type": "message", "user": "U1", "text": "first", "ts": "1520371464.000100"},
            {"type": "message", "user": "U1", "text": "second", "ts": "1520371500.000200"}
        ]),
    );
    write_zip(&dir.path().join("first.zip"), &first);
    write_zip(&dir.path().join("later.zip"), &later);
    p.import(&dir.path().join("first.zip"));
    let settings = p.read("content/channels/live-night/channel.toml");
    assert!(
        settings.contains("Topic & more"),
        "description from the topic: {settings}"
    );
    p.write(
        "content/channels/live-night/channel.toml",
        &settings.replace(
            "headline = \"live-night\"",
            "headline = \"Election night\" # by the desk",
        ),
    );
    let first_file = p.read("content/channels/live-night/messages/1520371464.000100.json");
    p.import(&dir.path().join("later.zip"));
    assert!(p.exists("content/channels/live-night/messages/1520371500.000200.json"));
    assert_eq!(
        p.read("content/channels/live-night/messages/1520371464.000100.json"),
        first_file
    );
    assert!(
        p.read("content/channels/live-night/channel.toml")
            .contains("headline = \"Election night\" # by the desk")
    );
}

#[test]
fn hostile_entry_and_channel_names_cannot_escape_the_project() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let channels = json!([
        {"id": "C1", "name": "../../escaped", "created": 1},
        {"id": "C2", "name": "/etc", "created": 1}
    ]);
    let msg = |t: &str| {
        json!([{"type": "message", "text": "x", "ts": t}])
            .to_string()
            .into_bytes()
    };
    let entries = vec![
        (b"channels.json".to_vec(), channels.to_string().into_bytes()),
        (b"../../escaped/2018-01-01.json".to_vec(), msg("1.000001")),
        (b"/etc/2018-01-01.json".to_vec(), msg("2.000001")),
        (b"../../../outside.json".to_vec(), b"[]".to_vec()),
    ];
    let zip = dir.path().join("evil.zip");
    write_zip(&zip, &entries);
    p.import(&zip);
    assert!(!dir.path().join("escaped").exists());
    assert!(!p.root().parent().unwrap().join("escaped").exists());
    assert!(!p.root().parent().unwrap().join("outside.json").exists());
    // Whatever made it in is inside content/channels under a safe slug.
    for path in p.snapshot("content").keys() {
        assert!(!path.contains(".."), "{path}");
    }
}

#[test]
fn zip_names_without_the_utf8_flag_are_decoded() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let channels = json!([{"id": "C1", "name": "café", "created": 1}, {"id": "C2", "name": "Çé", "created": 1}]);
    let msg = |t: &str| {
        json!([{"type": "message", "text": "x", "ts": t}])
            .to_string()
            .into_bytes()
    };
    let entries = vec![
        (b"channels.json".to_vec(), channels.to_string().into_bytes()),
        // UTF-8 bytes, flag not set (what Slack's exporter writes).
        ("café/2018-01-01.json".as_bytes().to_vec(), msg("1.000001")),
        // CP437 bytes (0x80 = Ç, 0x82 = é), flag not set (legacy zip tools).
        (b"\x80\x82/2018-01-01.json".to_vec(), msg("2.000001")),
    ];
    let zip = dir.path().join("names.zip");
    write_zip(&zip, &entries);
    let out = p.ok(&["import", zip.to_str().unwrap()]);
    assert!(
        out.contains("Imported 2 messages from 2 conversations"),
        "{out}"
    );
}

#[test]
fn users_missing_from_users_json_come_from_message_profiles() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let entries = mini_export(
        "x",
        json!([
            {"type": "message", "user": "U9", "text": "hi", "ts": "1.000001",
             "user_profile": {"name": "ghost", "real_name": "Gus Ghost", "display_name": "gus"}},
            {"type": "message", "subtype": "bot_message", "bot_id": "B1", "username": "newsbot", "text": "beep", "ts": "2.000001"},
            {"type": "message", "subtype": "file_comment", "text": "a comment", "ts": "3.000001",
             "comment": {"user": "U1", "comment": "a comment"}}
        ]),
    );
    let zip = dir.path().join("x.zip");
    write_zip(&zip, &entries);
    p.import(&zip).build();
    let user: serde_json::Value = serde_json::from_str(&p.read("content/users/U9.json")).unwrap();
    assert_eq!(user["profile"]["display_name"], "gus");
    let feed = p.feed("x");
    let names: Vec<&str> = feed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["name"].as_str().unwrap())
        .collect();
    // A file comment is credited to its commenter (issue 13), not "Unknown".
    assert_eq!(names, ["gus", "newsbot", "Ana"]);
}

/// Bad archives: a clear error naming the entry, a non-zero exit, and content/ untouched.
#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let p = Project::init();
    p.import(&official_export());
    let before = p.snapshot("content");
    let dir = tempfile::tempdir().unwrap();

    // A truncated zip.
    let raw = std::fs::read(official_export()).unwrap();
    let truncated = dir.path().join("truncated.zip");
    std::fs::write(&truncated, &raw[..raw.len() / 2]).unwrap();
    let err = p.fails(&["import", truncated.to_str().unwrap()]);
    assert!(err.contains("truncated.zip"), "{err}");

    type Entries = Vec<(Vec<u8>, Vec<u8>)>;
    let cases: Vec<(&str, Entries, &str)> = vec![
        (
            "no-channels",
            vec![(b"users.json".to_vec(), b"[]".to_vec())],
            "channels.json is missing",
        ),
        (
            "malformed-day",
            {
                let mut e = mini_export("enrique", json!([]));
                e[2].1 = b"[{\"ts\": \"1.000001\", ".to_vec();
                e
            },
            "enrique/2018-03-06.json: not a JSON array of messages",
        ),
        (
            "no-ts",
            mini_export(
                "enrique",
                json!([{"type": "message", "text": "ok", "ts": "1.000001"}, {"type": "message", "text": "no ts"}]),
            ),
            "enrique/2018-03-06.json: message 2: it has no `ts`",
        ),
        (
            "dup-ts",
            mini_export(
                "enrique",
                json!([{"text": "a", "ts": "1.000001"}, {"text": "b", "ts": "1.000001"}]),
            ),
            "message 2: ts 1.000001 appears twice",
        ),
    ];
    for (name, entries, want) in cases {
        let zip = dir.path().join(format!("{name}.zip"));
        write_zip(&zip, &entries);
        let err = p.fails(&["import", zip.to_str().unwrap()]);
        assert!(err.contains(want), "{name}: {err}");
        assert_eq!(p.snapshot("content"), before, "{name} changed content/");
    }
    // No staging left behind either.
    assert!(p.snapshot(".scrollback/staging").is_empty());
}

#[test]
fn keep_going_skips_bad_entries_and_imports_the_rest() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let mut entries = mini_export(
        "live",
        json!([{"text": "good", "ts": "1.000001"}, {"text": "no ts"}]),
    );
    entries.push((b"live/2018-03-07.json".to_vec(), b"not json".to_vec()));
    let zip = dir.path().join("x.zip");
    write_zip(&zip, &entries);
    let out = p.run(&["import", "--keep-going", zip.to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped live/2018-03-06.json: message 2: it has no `ts`"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped live/2018-03-07.json"), "{stderr}");
    assert!(p.exists("content/channels/live/messages/1.000001.json"));
}

#[test]
fn channels_option_selects_conversations() {
    let p = Project::init();
    p.ok(&[
        "import",
        "--channels",
        "traveling-sailor",
        official_export().to_str().unwrap(),
    ]);
    assert!(p.exists("content/channels/traveling-sailor/channel.toml"));
    assert!(!p.exists("content/channels/enrique"));
    let err = p.fails(&[
        "import",
        "--channels",
        "nope",
        official_export().to_str().unwrap(),
    ]);
    assert!(err.contains("no conversation called \"nope\""), "{err}");
}

#[test]
fn unpacked_folder_imports_like_the_zip() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("export");
    let file = std::fs::File::open(official_export()).unwrap();
    zip::ZipArchive::new(file)
        .unwrap()
        .extract(&folder)
        .unwrap();
    let a = Project::init();
    a.import(&official_export());
    let b = Project::init();
    b.import(&folder);
    assert_eq!(a.snapshot("content"), b.snapshot("content"));
}

/// slackdump writes every conversation to channels.json (private ones flagged) and names the
/// folders by channel id; an Enterprise export has org_users.json instead of users.json.
#[test]
fn slackdump_style_exports_import_too() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let channels = json!([
        {"id": "C100", "name": "newsroom", "created": 1},
        {"id": "G200", "name": "editors", "is_private": true, "created": 1}
    ]);
    let users = json!([{"id": "W1", "name": "ed", "profile": {"display_name": "Ed"}}]);
    let msg = |t: &str| {
        json!([{"type": "message", "user": "W1", "text": "hello", "ts": t}])
            .to_string()
            .into_bytes()
    };
    let entries = vec![
        (b"channels.json".to_vec(), channels.to_string().into_bytes()),
        (b"org_users.json".to_vec(), users.to_string().into_bytes()),
        (b"C100/2018-01-01.json".to_vec(), msg("1.000001")),
        (b"G200/2018-01-01.json".to_vec(), msg("2.000001")),
    ];
    let zip = dir.path().join("slackdump.zip");
    write_zip(&zip, &entries);
    p.import(&zip).build();
    assert!(
        p.read("content/channels/newsroom/channel.toml")
            .contains("state = \"archived\"")
    );
    assert!(
        p.read("content/channels/editors/channel.toml")
            .contains("state = \"draft\""),
        "private stays a draft"
    );
    assert!(p.exists("content/users/W1.json"));
    assert_eq!(p.feed("newsroom")["messages"][0]["user"]["name"], "Ed");
    assert!(!p.exists("site/editors"));
}

/// A zip bomb: a few hundred kilobytes that inflate to 48 MiB in one day file. The import
/// refuses it by the entry's name, past the limit, and leaves `content/` as it was (issue 11).
#[test]
fn an_entry_past_the_size_limit_is_refused_by_name() {
    use std::io::Write;
    let p = Project::init();
    p.ok(&["import", official_export().to_str().unwrap()]);
    let before = p.snapshot("content");
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("channels.json", deflated).unwrap();
        zip.write_all(br#"[{"id": "C9", "name": "bomb", "created": 1}]"#)
            .unwrap();
        zip.start_file("bomb/2018-03-06.json", deflated).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..48 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let err = p.fails(&["import", bomb.to_str().unwrap(), "--max-entry-mb", "16"]);
    assert!(
        err.contains("bomb/2018-03-06.json") && err.contains("larger than 16 MiB"),
        "{err}"
    );
    assert_eq!(p.snapshot("content"), before, "content/ is as it was");
    // Under the limit it is read (and is only blanks: not a valid day file, said by name).
    let err = p.fails(&["import", bomb.to_str().unwrap(), "--max-entry-mb", "64"]);
    assert!(!err.contains("larger than"), "{err}");
    assert!(err.contains("bomb/2018-03-06.json"), "{err}");
}

/// Tokens in a channel's topic and purpose (anyone in the channel can set them) and tokens glued
/// to a word or percent-encoded in messages reach neither `content/` nor `site/` (issue 11).
#[test]
fn no_token_in_a_topic_purpose_or_message_reaches_content_or_site() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let channels = json!([{"id": "C1", "name": "general", "created": 1500000000,
        "topic": {"value": "Bot token: xoxb-1234567890-0987654321-abcdef"},
        "purpose": {"value": "Admin xapp-1-A012345-1234567890-abcdef for setup"}}]);
    let messages = json!([
        {"type": "message", "user": "U1", "ts": "1520000000.000100",
         "text": "glued:xoxp-1234567890-1234567890-abcdef and encoded %78%6Fxe-1234567890-abc"},
        {"type": "message", "user": "U1", "ts": "1520000001.000100",
         "text": "<https://example.org/?next=xoxb%2D1234567890%2Dabcdef|link>"}
    ]);
    let mut entries = mini_export("general", messages);
    entries[0].1 = channels.to_string().into_bytes();
    let zip = dir.path().join("tokens.zip");
    write_zip(&zip, &entries);
    p.ok(&["import", zip.to_str().unwrap()]);
    p.ok(&["build"]);
    for (tree, files) in [
        ("content", p.snapshot("content")),
        ("site", p.snapshot("site")),
    ] {
        for (path, bytes) in files {
            let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
            for needle in ["xoxb-", "xoxp-", "xoxe-", "xapp-", "%78%6f", "xoxb%2d"] {
                assert!(!text.contains(needle), "{tree}/{path} holds {needle}");
            }
        }
    }
    let page = p.read("site/general/index.html");
    assert!(
        page.contains("[token removed]"),
        "the page says what was removed"
    );
}

/// A misspelt `--channels` name gets a suggestion; the summary says which new chats are drafts
/// and how to publish them; `-q` keeps to the summary (issue 12).
#[test]
fn import_suggests_names_and_says_which_new_chats_are_drafts() {
    let p = Project::init();
    let export = official_export();
    let err = p.fails(&["import", export.to_str().unwrap(), "--channels", "enriqe"]);
    assert!(err.contains("no conversation called \"enriqe\""), "{err}");
    assert!(err.contains("did you mean \"enrique\"?"), "{err}");
    let err = p.fails(&["import", export.to_str().unwrap(), "--channels", "weather"]);
    assert!(!err.contains("did you mean"), "{err}");

    let (zip, _) = synthetic_export(1500, 4, 7, true);
    let out = p.run(&["-q", "import", zip.to_str().unwrap()]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("new chat:"),
        "-q prints only the summary: {stderr}"
    );
    assert!(
        stdout.contains("2 new chats from private conversations are drafts, off the site"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`d00000001` (a direct message)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`editors-only` (a private channel)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scrollback publish SLUG --archived --private"),
        "{stdout}"
    );
}
