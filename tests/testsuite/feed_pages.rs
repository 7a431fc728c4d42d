//! Feed version 2 (issue 15): a chat's feed in pages cut by the same top-level places as its HTML
//! pages, with a small head, so one new message, edit or deletion rewrites one page and the head,
//! never the whole chat.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::exports::synthetic_export;
use crate::support::project::Project;

/// A project of three imported chats, the first one live, built once.
fn project(toml: &str) -> (Project, Vec<String>) {
    project_of(300, toml)
}

/// The same with `messages` messages in all.
fn project_of(messages: usize, toml: &str) -> (Project, Vec<String>) {
    let (zip, _) = synthetic_export(messages, 3, 11, false);
    let p = Project::init();
    p.write("scrollback.toml", toml);
    p.import(&zip);
    let chats = p.chats();
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

/// One cold build through the library, as `scrollback build` runs it: what it wrote (but the
/// search index, whose files `search::` counts).
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
    written.retain(|w| !w.starts_with("search/"));
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
    format!("{chat}/page-{n}.html")
}

/// Every page entry of a chat's paged feed: the older groups' (`feed-index-G.json`, checked
/// against the head's line for them) and then the head's own.
fn page_entries(p: &Project, chat: &str) -> Vec<Value> {
    let head = head(p, chat);
    let mut out = Vec::new();
    for group in head["groups"].as_array().unwrap() {
        let g = group["group"].as_u64().unwrap();
        let doc = json(p, &format!("site/{chat}/feed-index-{g}.json"));
        assert_eq!(doc["group"], g);
        assert_eq!(doc["channel"]["slug"], chat);
        let pages = doc["pages"].as_array().unwrap();
        assert_eq!(
            pages.len() as u64,
            head["pages_per_group"].as_u64().unwrap()
        );
        assert_eq!(group["first_page"], pages[0]["page"]);
        assert_eq!(group["last_page"], pages[pages.len() - 1]["page"]);
        out.extend(pages.iter().cloned());
    }
    out.extend(head["pages"].as_array().unwrap().iter().cloned());
    assert_eq!(head["page_count"], out.len());
    out
}

/// The numbered HTML page of a chat that holds `anchor`.
fn html_page_holding(p: &Project, chat: &str, pages: u64, anchor: &str) -> u64 {
    let holding: Vec<u64> = (1..=pages)
        .filter(|n| {
            p.read(&format!("site/{}", html_page(chat, *n)))
                .contains(&format!("id=\"{anchor}\""))
        })
        .collect();
    assert_eq!(holding.len(), 1, "{anchor} is on one page: {holding:?}");
    holding[0]
}

fn sorted(paths: &[String]) -> Vec<String> {
    let mut v = paths.to_vec();
    v.sort();
    v
}

#[test]
fn pages_hold_every_message_once_in_the_html_pages_order() {
    // Feed pages of one place each, so a chat of this size has more than one group of pages.
    let (p, chats) = project_of(
        600,
        "page_size = 7\nfeed_callback = \"window.chatFeed\"\n[feeds]\npage_size = 1\n",
    );
    let mut grouped = 0;
    for chat in &chats {
        let head = head(&p, chat);
        assert_eq!(head["version"], 2);
        let whole = json(&p, &format!("site/{chat}/feed.json"));
        assert_eq!(head["channel"], whole["channel"], "the same metadata");
        assert_eq!(head["page_size"], 1);
        assert_eq!(head["whole_chat"], "feed.json");
        let entries = page_entries(&p, chat);
        if !head["groups"].as_array().unwrap().is_empty() {
            grouped += 1;
        }
        let html_pages = p
            .snapshot(&format!("site/{chat}"))
            .keys()
            .filter(|k| k.starts_with("page-") && k.ends_with(".html"))
            .count() as u64;
        assert_eq!(head["channel"]["pages"], html_pages);

        let mut all: Vec<Value> = Vec::new();
        let mut versions = BTreeSet::new();
        let mut html_page = 1;
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
            assert!(messages.len() <= 1);
            assert_eq!(entry["messages"], messages.len());
            let replies: usize = messages
                .iter()
                .map(|m| m["thread"].as_array().unwrap().len())
                .sum();
            assert_eq!(entry["replies"], replies);
            assert_eq!(
                entry["first_ts"],
                messages.first().map_or(Value::Null, |m| m["ts"].clone())
            );
            assert_eq!(
                entry["last_ts"],
                messages.last().map_or(Value::Null, |m| m["ts"].clone())
            );
            assert!(versions.insert(entry["version"].as_str().unwrap().to_owned()));
            // The HTML pages hold the same messages in the same order (a broadcast reply is also
            // in its parent's thread, maybe a page before).
            for m in messages
                .iter()
                .filter(|m| m["subtype"] != "thread_broadcast")
            {
                let on = html_page_holding(&p, chat, html_pages, m["anchor"].as_str().unwrap());
                assert!(on >= html_page, "{} moved back a page", m["ts"]);
                html_page = on;
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
        for group in head["groups"].as_array().unwrap() {
            let g = group["group"].as_u64().unwrap();
            let text = p.read(&format!("site/{chat}/feed-index-{g}.json"));
            let jsonp = p.read(&format!("site/{chat}/feed-index-{g}.jsonp"));
            assert_eq!(jsonp, format!("window.chatFeed({});\n", text.trim_end()));
        }
    }
    assert!(grouped > 0, "some chat has older groups of pages");
    assert_eq!(head(&p, &chats[0])["live"], "live.json");
    assert_eq!(head(&p, &chats[1])["live"], Value::Null);
}

#[test]
fn without_the_whole_chat_a_message_rewrites_its_page_and_the_head() {
    let (p, chats) = project("page_size = 5\n[feeds]\nwhole_chat = false\npage_size = 5\n");
    let chat = &chats[0];
    assert!(!p.exists(&format!("site/{chat}/feed.json")));
    assert!(!p.exists(&format!("site/{chat}/feed.jsonp")));
    assert_eq!(head(&p, chat)["whole_chat"], Value::Null);
    assert_eq!(build(&p), Vec::<String>::new(), "nothing changed");

    // New messages until the newest page fills and the next one starts.
    let pages = |p: &Project| head(p, chat)["page_count"].as_u64().unwrap();
    let first_total = pages(&p);
    let mut ts = 1_900_000_000u64;
    loop {
        ts += 1;
        post(&p, chat, &format!("{ts}.000100"), "breaking");
        let written = build(&p);
        let total = pages(&p);
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
        // The site's index, the live chat's address (its latest messages) and its newest page;
        // when a page starts, the one before it too (its page list gains it), no other.
        let mut html = vec![
            "index.html".to_owned(),
            format!("{chat}/index.html"),
            html_page(chat, total),
        ];
        if total != first_total {
            html.push(html_page(chat, total - 1));
        }
        let written_html: Vec<String> = written
            .iter()
            .filter(|w| w.ends_with(".html"))
            .cloned()
            .collect();
        assert_eq!(written_html, sorted(&html), "{written:?}");
        if total != first_total {
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
        .find(|m| {
            m["tombstone"] == false
                && m["subtype"].is_null()
                && m["thread"].as_array().unwrap().is_empty()
        })
        .expect("a plain message without replies on page 2")["ts"]
        .as_str()
        .unwrap()
        .to_owned();
    let rel = format!("content/channels/{chat}/messages/{ts}.json");
    let mut record: Value = json(&p, &rel);
    record["slack"]["text"] = Value::from("Corrected by the desk.");
    record["slack"].as_object_mut().unwrap().remove("blocks");
    record["slack"]["edited"] = serde_json::json!({"user": "U00001000", "ts": "1900000999.000000"});
    p.write(&rel, &record.to_string());
    let middle = sorted(&[
        format!("{chat}/feed-index.json"),
        format!("{chat}/feed-index.jsonp"),
        format!("{chat}/feed-page-2.json"),
        format!("{chat}/feed-page-2.jsonp"),
        format!("{chat}/live.json"),
        format!("{chat}/live.jsonp"),
        format!("{chat}/page-2.html"),
    ]);
    assert_eq!(build(&p), middle);
    let page2 = p.read(&format!("site/{chat}/feed-page-2.json"));
    assert!(
        page2.contains("Corrected by the desk."),
        "{ts} {record}\n{page2}"
    );

    // A deletion empties the message's place: only its page changes (and the site's index,
    // which counts messages); every later message keeps its page.
    let later = p.read(&format!("site/{chat}/feed-page-3.json"));
    let mut record: Value = json(&p, &rel);
    record["deleted"] = Value::from(true);
    p.write(&rel, &record.to_string());
    let mut expected = middle.clone();
    expected.push("index.html".to_owned());
    assert_eq!(build(&p), sorted(&expected));
    assert!(
        !p.read(&format!("site/{chat}/feed-page-2.json"))
            .contains(&ts)
    );
    assert_eq!(p.read(&format!("site/{chat}/feed-page-3.json")), later);
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
