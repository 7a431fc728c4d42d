//! Feed version 2 (issue 15): a chat's feed in pages cut as its HTML pages are, with a small head,
//! so one new message or one edit rewrites one page and the head, never the whole chat.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::exports::synthetic_export;
use crate::support::project::Project;

/// A project of three imported chats, the first one live, built once.
fn project(toml: &str) -> (Project, Vec<String>) {
    let (zip, _) = synthetic_export(300, 3, 11, false);
    let p = Project::init();
    p.write("scrollback.toml", toml);
    p.import(&zip);
    let mut chats: Vec<String> = std::fs::read_dir(p.path("content/channels"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    chats.sort();
    let path = format!("content/channels/{}/channel.toml", chats[0]);
    let text = p.read(&path);
    p.write(
        &path,
        &text.replace("state = \"archived\"", "state = \"live\""),
    );
    p.build();
    (p, chats)
}

fn json(p: &Project, rel: &str) -> Value {
    serde_json::from_str(&p.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn head(p: &Project, chat: &str) -> Value {
    json(p, &format!("site/{chat}/feed-index.json"))
}

/// One cold build through the library, as `scrollback build` runs it: what it wrote.
fn build(p: &Project) -> Vec<String> {
    let project = scrollback::project::Project::new(std::fs::canonicalize(p.root()).unwrap());
    let mut builder = scrollback::build::SiteBuilder::new(
        &project,
        scrollback::build::Mode::Cold,
        scrollback::progress::ProgressMode::Quiet,
    );
    let mut written = builder
        .build(&[scrollback::build::Change::Everything])
        .unwrap()
        .written;
    written.sort();
    written
}

fn post(p: &Project, chat: &str, ts: &str, text: &str) {
    let record = serde_json::json!({"ts": ts, "slack": {"type": "message", "user": "U00001000", "text": text, "ts": ts}});
    p.write(
        &format!("content/channels/{chat}/messages/{ts}.json"),
        &record.to_string(),
    );
}

fn html_page(chat: &str, n: u64) -> String {
    if n == 1 {
        format!("{chat}/index.html")
    } else {
        format!("{chat}/page-{n}.html")
    }
}

fn sorted(paths: &[String]) -> Vec<String> {
    let mut v = paths.to_vec();
    v.sort();
    v
}

#[test]
fn pages_hold_every_message_once_as_the_html_pages_do() {
    let (p, chats) = project("page_size = 7\nfeed_callback = \"window.chatFeed\"\n");
    for chat in &chats {
        let head = head(&p, chat);
        assert_eq!(head["version"], 2);
        let whole = json(&p, &format!("site/{chat}/feed.json"));
        assert_eq!(head["channel"], whole["channel"], "the same metadata");
        assert_eq!(head["page_size"], 7);
        assert_eq!(head["whole_chat"], "feed.json");
        let entries = head["pages"].as_array().unwrap();
        let html_pages = p
            .snapshot(&format!("site/{chat}"))
            .keys()
            .filter(|k| k.ends_with(".html"))
            .count();
        assert_eq!(entries.len(), html_pages, "a feed page per HTML page");
        assert_eq!(head["channel"]["pages"], html_pages);

        let mut all: Vec<Value> = Vec::new();
        let mut versions = BTreeSet::new();
        for (i, entry) in entries.iter().enumerate() {
            let n = i as u64 + 1;
            assert_eq!(entry["page"], n);
            let rel = format!("site/{chat}/feed-page-{n}.json");
            let text = p.read(&rel);
            let jsonp = p.read(&format!("site/{chat}/feed-page-{n}.jsonp"));
            assert_eq!(jsonp, format!("window.chatFeed({});\n", text.trim_end()));
            let page: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(page["version"], 2);
            assert_eq!(page["page"], n);
            assert_eq!(page["channel"]["slug"], chat.as_str());
            let messages = page["messages"].as_array().unwrap();
            assert!(messages.len() <= 7);
            assert_eq!(entry["messages"], messages.len());
            let replies: usize = messages
                .iter()
                .map(|m| m["thread"].as_array().unwrap().len())
                .sum();
            assert_eq!(entry["replies"], replies);
            assert_eq!(entry["first_ts"], messages[0]["ts"]);
            assert_eq!(entry["last_ts"], messages[messages.len() - 1]["ts"]);
            assert!(versions.insert(entry["version"].as_str().unwrap().to_owned()));
            // Page N of the feed is page N of the HTML: the same top-level messages.
            let html = p.read(&format!("site/{}", html_page(chat, n)));
            for m in messages {
                let anchor = m["anchor"].as_str().unwrap();
                assert!(html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
            }
            all.extend(messages.iter().cloned());
        }
        // Every message of the whole chat, in order, each in exactly one page.
        assert_eq!(&all, whole["messages"].as_array().unwrap());
        let head_jsonp = p.read(&format!("site/{chat}/feed-index.jsonp"));
        let head_text = p.read(&format!("site/{chat}/feed-index.json"));
        assert_eq!(
            head_jsonp,
            format!("window.chatFeed({});\n", head_text.trim_end())
        );
    }
    assert_eq!(head(&p, &chats[0])["live"], "live.json");
    assert_eq!(head(&p, &chats[1])["live"], Value::Null);
}

#[test]
fn without_the_whole_chat_a_new_message_rewrites_the_newest_page_and_the_head() {
    let (p, chats) = project("page_size = 5\n[feeds]\nwhole_chat = false\n");
    let chat = &chats[0];
    assert!(!p.exists(&format!("site/{chat}/feed.json")));
    assert!(!p.exists(&format!("site/{chat}/feed.jsonp")));
    assert_eq!(head(&p, chat)["whole_chat"], Value::Null);
    assert_eq!(build(&p), Vec::<String>::new(), "nothing changed");

    // New messages until the newest page fills and the next one starts.
    let first_total = head(&p, chat)["pages"].as_array().unwrap().len() as u64;
    let mut ts = 1_900_000_000u64;
    loop {
        ts += 1;
        post(&p, chat, &format!("{ts}.000100"), "breaking");
        let written = build(&p);
        let total = head(&p, chat)["pages"].as_array().unwrap().len() as u64;
        let feeds: Vec<String> = written
            .iter()
            .filter(|w| !w.ends_with(".html"))
            .cloned()
            .collect();
        assert_eq!(
            feeds,
            sorted(&[
                format!("{chat}/feed-index.json"),
                format!("{chat}/feed-index.jsonp"),
                format!("{chat}/feed-page-{total}.json"),
                format!("{chat}/feed-page-{total}.jsonp"),
                format!("{chat}/live.json"),
                format!("{chat}/live.jsonp"),
            ]),
            "{written:?}"
        );
        assert!(written.contains(&"index.html".to_owned()));
        assert!(written.contains(&html_page(chat, total)));
        if total == first_total {
            assert_eq!(written.len(), 8, "{written:?}");
        } else {
            // A new page: its feed page only (the HTML pages' page lists change too).
            assert_eq!(total, first_total + 1);
            let newest: Value = json(&p, &format!("site/{chat}/feed-page-{total}.json"));
            assert_eq!(newest["messages"].as_array().unwrap().len(), 1);
            break;
        }
    }

    // An edit in the middle: that page, the head and the live feed.
    let page: Value = json(&p, &format!("site/{chat}/feed-page-2.json"));
    let ts = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tombstone"] == false && m["subtype"].is_null())
        .expect("a plain message on page 2")["ts"]
        .as_str()
        .unwrap()
        .to_owned();
    let rel = format!("content/channels/{chat}/messages/{ts}.json");
    let mut record: Value = json(&p, &rel);
    record["slack"]["text"] = Value::from("Corrected by the desk.");
    record["slack"].as_object_mut().unwrap().remove("blocks");
    record["slack"]["edited"] = serde_json::json!({"user": "U00001000", "ts": "1900000999.000000"});
    p.write(&rel, &record.to_string());
    let written = build(&p);
    assert_eq!(
        written,
        sorted(&[
            format!("{chat}/feed-index.json"),
            format!("{chat}/feed-index.jsonp"),
            format!("{chat}/feed-page-2.json"),
            format!("{chat}/feed-page-2.jsonp"),
            format!("{chat}/live.json"),
            format!("{chat}/live.jsonp"),
            format!("{chat}/page-2.html"),
        ])
    );
    let page2 = p.read(&format!("site/{chat}/feed-page-2.json"));
    assert!(
        page2.contains("Corrected by the desk."),
        "{ts} {record}\n{page2}"
    );

    // A deletion takes the message out of the cut, so the pages after it move one message
    // back (the HTML pages too: both are cut by published top-level messages); the pages
    // before it stay.
    let mut record: Value = json(&p, &rel);
    record["deleted"] = Value::from(true);
    p.write(&rel, &record.to_string());
    let written = build(&p);
    assert!(
        !p.read(&format!("site/{chat}/feed-page-2.json"))
            .contains(&ts)
    );
    assert!(
        !written.contains(&format!("{chat}/feed-page-1.json")),
        "{written:?}"
    );
}

#[test]
fn turning_the_whole_chat_feed_off_removes_it_and_the_head_says_so() {
    let (p, chats) = project("page_size = 50\n");
    let chat = &chats[1];
    assert!(p.exists(&format!("site/{chat}/feed.json")));
    p.write(
        "scrollback.toml",
        "page_size = 50\n[feeds]\nwhole_chat = false\n",
    );
    p.build();
    assert!(!p.exists(&format!("site/{chat}/feed.json")));
    assert!(!p.exists(&format!("site/{chat}/feed.jsonp")));
    assert_eq!(head(&p, chat)["whole_chat"], Value::Null);
    assert!(p.exists(&format!("site/{chat}/feed-page-1.json")));
}
