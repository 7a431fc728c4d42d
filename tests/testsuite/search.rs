//! Static search (issue 16, docs/search.md): the search page finds published messages in a real
//! browser, over `scrollback serve`, and links to them; unpublished words are in no index file;
//! a new message rewrites only its own segment's buckets and docs block.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use scrollback::build::outputs::search::terms::{bucket_of, terms};

use crate::support::browser::Browser;
use crate::support::exports::synthetic_export;
use crate::support::project::Project;
use crate::support::server::Server;

/// Small pages and segments, so a few hundred messages make several of each.
const CONFIG: &str = "title = \"Searchable\"\npage_size = 10\ntimezone = \"Europe/Paris\"\n[search]\nsegment_size = 30\n";

/// The plain top-level messages of `chat` (no subtype, not in a thread), by file, oldest first.
fn plain_messages(p: &Project, chat: &str) -> Vec<(String, Value)> {
    p.snapshot(&format!("content/channels/{chat}/messages"))
        .into_iter()
        .map(|(name, bytes)| {
            let rel = format!("content/channels/{chat}/messages/{name}");
            (rel, serde_json::from_slice::<Value>(&bytes).unwrap())
        })
        .filter(|(_, m)| {
            let s = &m["slack"];
            s["subtype"].is_null()
                && s["text"].as_str().is_some_and(|t| t.len() > 3)
                && (s["thread_ts"].is_null() || s["thread_ts"] == s["ts"])
                && s["reply_count"].is_null()
        })
        .collect()
}

/// Sets a message's text (its blocks go: pages render blocks before text).
fn set_text(p: &Project, rel: &str, message: &Value, text: &str) {
    let mut message = message.clone();
    message["slack"]["text"] = Value::from(text);
    message["slack"].as_object_mut().unwrap().remove("blocks");
    p.write(rel, &serde_json::to_string_pretty(&message).unwrap());
}

/// Every file under `site/search/` that contains `word`.
fn index_files_with(p: &Project, word: &str) -> Vec<String> {
    p.snapshot("site/search")
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(word))
        .map(|(rel, _)| rel)
        .collect()
}

#[test]
fn the_search_page_finds_published_messages_and_links_to_them() {
    let (zip, _) = synthetic_export(300, 3, 11, true);
    let p = Project::init();
    p.write("scrollback.toml", CONFIG);
    p.import(&zip);
    let states = p.chat_states();
    let published: Vec<&String> = states
        .iter()
        .filter(|(_, s)| s != "draft")
        .map(|(c, _)| c)
        .collect();
    let draft = &states.iter().find(|(_, s)| s == "draft").unwrap().0;
    let chat = published[0];

    // A word in a published message (not on the chat's first page), one in a comment-tagged
    // message of the same chat, one in a draft chat.
    let plain = plain_messages(&p, chat);
    let (rel, message) = &plain[plain.len() / 2];
    let ts = message["ts"].as_str().unwrap().to_owned();
    set_text(
        &p,
        rel,
        message,
        // As Slack sends text: `<`, `>` and `&` escaped.
        "The quixotic zeppelin served Crème Brûlée to &lt;b&gt;everyone&lt;/b&gt;",
    );
    let (rel, message) = &plain[plain.len() / 2 + 1];
    set_text(
        &p,
        rel,
        message,
        "<#> quixotic zanzibar, for the editors only",
    );
    let draft_plain = plain_messages(&p, draft);
    let (rel, message) = &draft_plain[0];
    set_text(&p, rel, message, "quixotic xylophone in a draft");
    p.build();

    // The index holds the published words, and none of the others.
    assert!(!index_files_with(&p, "zeppelin").is_empty());
    assert!(index_files_with(&p, "zanzibar").is_empty());
    assert!(index_files_with(&p, "xylophone").is_empty());
    let manifest: Value = serde_json::from_str(&p.read("site/search/index.json")).unwrap();
    let listed: Vec<&str> = manifest["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(listed, published);
    assert!(!p.exists(&format!("site/search/{draft}")));
    // Every page links the search page.
    let home = crate::support::page::Page::parse(&p.read("site/index.html"));
    assert_eq!(home.attrs("a.search-link", "href"), ["search/"]);
    let page = crate::support::page::Page::parse(&p.read(&format!("site/{chat}/page-1.html")));
    assert_eq!(page.attrs("a.search-link", "href"), ["../search/"]);

    let s = Server::start(&p);
    let mut browser = Browser::launch();
    let tab = browser.open(&format!("http://{}/search/?q=zeppelin", s.addr));
    browser.wait_for(
        &tab,
        "document.querySelectorAll('.search-result').length",
        "a result",
    );
    let result = browser.eval(
        &tab,
        "(() => { const r = document.querySelectorAll('.search-result'); \
         return { count: r.length, href: r[0].querySelector('a.search-hit').href, \
         meta: r[0].querySelector('.meta').textContent, \
         marked: Array.from(r[0].querySelectorAll('mark')).map(m => m.textContent), \
         snippet: r[0].querySelector('.snippet').textContent, \
         html: r[0].querySelector('.snippet').innerHTML }; })()",
    );
    assert_eq!(result["count"], 1, "{result}");
    let anchor = format!("#m{}", ts.replace('.', "-"));
    let href = result["href"].as_str().unwrap();
    assert!(
        href.starts_with(&format!("http://{}/{chat}/page-", s.addr)) && href.ends_with(&anchor),
        "{href}"
    );
    let headline = p
        .read(&format!("content/channels/{chat}/channel.toml"))
        .lines()
        .find_map(|l| l.strip_prefix("headline = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    assert!(
        result["meta"].as_str().unwrap().contains(&headline),
        "{result}"
    );
    assert_eq!(result["marked"], serde_json::json!(["zeppelin"]));
    // The message's text, as readers see it: markup shown as text, never as HTML.
    assert!(
        result["snippet"]
            .as_str()
            .unwrap()
            .contains("<b>everyone</b>")
    );
    assert!(result["html"].as_str().unwrap().contains("&lt;b&gt;"));

    // The link lands on the message, on the page that shows it.
    browser.eval(&tab, "document.querySelector('a.search-hit').click()");
    let landed = browser.wait_for(
        &tab,
        &format!(
            "location.hash === '{anchor}' && document.getElementById('{}') && \
             document.getElementById('{}').textContent",
            &anchor[1..],
            &anchor[1..]
        ),
        "the message's page",
    );
    assert!(landed.as_str().unwrap().contains("quixotic zeppelin"));

    // Accents and case fold; the word being typed matches as a prefix.
    for (query, count) in [("CREME brulee", 1), ("zepp", 1), ("quixotic", 1)] {
        let tab = browser.open(&format!(
            "http://{}/search/?q={}",
            s.addr,
            query.replace(' ', "+")
        ));
        browser.wait_for(
            &tab,
            "document.querySelector('.search-status').textContent.match(/\\d+ message/)",
            &format!("results for {query}"),
        );
        let found = browser.eval(&tab, "document.querySelectorAll('.search-result').length");
        assert_eq!(found, count, "{query}");
    }
    // Unpublished words find nothing.
    for query in ["zanzibar", "xylophone"] {
        let tab = browser.open(&format!("http://{}/search/?q={query}", s.addr));
        browser.wait_for(
            &tab,
            "document.querySelector('.search-status').textContent === 'No published message has these words.'",
            &format!("no result for {query}"),
        );
        assert_eq!(
            browser.eval(&tab, "document.querySelectorAll('.search-result').length"),
            0
        );
    }
    s.stop();
}

#[test]
fn a_new_message_rewrites_only_its_own_segments_buckets() {
    let (zip, _) = synthetic_export(400, 1, 5, false);
    let p = Project::init();
    p.write("scrollback.toml", CONFIG);
    p.import(&zip);
    p.build();
    let chat = p.chats()[0].clone();
    let manifest =
        |p: &Project| -> Value { serde_json::from_str(&p.read("site/search/index.json")).unwrap() };
    let segments = manifest(&p)["chats"][0]["segments"].as_u64().unwrap();
    assert!(segments >= 3, "{segments} segments");
    let before = p.snapshot("site");

    // A new message, after every other.
    let plain = plain_messages(&p, &chat);
    let (_, last) = plain.last().unwrap();
    let ts = "1999999999.000100";
    let mut message = last.clone();
    message["ts"] = Value::from(ts);
    message["slack"]["ts"] = Value::from(ts);
    let text = "Turnout figures arrive from the harbour district";
    let rel = format!("content/channels/{chat}/messages/{ts}.json");
    set_text(&p, &rel, &message, text);
    p.build();
    let after = p.snapshot("site");
    let changed: BTreeSet<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|k| after.get(*k) != before.get(*k))
        .collect();
    let search: Vec<&&String> = changed
        .iter()
        .filter(|k| k.starts_with("search/"))
        .collect();

    // Its own segment (the newest, unless it started one) and docs block, and only the buckets
    // of its words.
    let now = manifest(&p)["chats"][0]["segments"].as_u64().unwrap();
    let newest = format!("search/{chat}/s{now}/");
    let buckets: BTreeSet<String> = terms(text)
        .iter()
        .map(|t| format!("{newest}b{}.json", bucket_of(t, 128)))
        .collect();
    let mut docs = 0;
    for rel in &search {
        if rel.starts_with(&newest) {
            assert!(
                buckets.contains(rel.as_str()),
                "{rel} holds none of its words"
            );
        } else if rel.starts_with(&format!("search/{chat}/docs-")) {
            docs += 1;
        } else {
            assert!(
                rel.as_str() == "search/index.json" && now != segments,
                "a new message rewrote {rel}"
            );
        }
    }
    assert_eq!(docs, 1, "{search:?}");
    assert!(search.len() >= 2, "{search:?}");
    let harbour = format!("{newest}b{}.json", bucket_of("harbour", 128));
    let postings: BTreeMap<String, Value> = serde_json::from_slice(&after[&harbour]).unwrap();
    assert!(postings.contains_key("harbour"), "{postings:?}");
    // And what it wrote is what a full build writes.
    assert_eq!(after, p.clean_build());
}

#[test]
fn search_can_be_turned_off() {
    let (zip, _) = synthetic_export(300, 3, 11, false);
    let p = Project::init();
    p.write("scrollback.toml", CONFIG);
    p.import(&zip);
    p.build();
    assert!(p.exists("site/search/index.html"));
    p.edit_config(|c| c.replace("[search]\n", "[search]\nenabled = false\n"));
    p.build();
    assert!(!p.exists("site/search"));
    let home = crate::support::page::Page::parse(&p.read("site/index.html"));
    assert_eq!(home.count("a.search-link"), 0);
    assert_eq!(p.snapshot("site"), p.clean_build());
}
