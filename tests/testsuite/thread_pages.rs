//! Thread permalink pages (issue 16, requirement 1), through the real binary on a synthetic
//! export (threads, broadcasts, tombstones, comment-tagged messages): one page per thread with
//! a published reply, showing exactly the thread's published replies, linked from the chat page
//! and back to the parent's anchor, with its own JSON-LD, social cards and sitemap entries; a
//! new reply rewrites that thread's page and no other thread page.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;

use serde_json::Value;

use crate::support::browser::Browser;
use crate::support::exports::synthetic_export;
use crate::support::page::Page;
use crate::support::project::Project;
use crate::support::server::Server;

const BASE: &str = "https://news.example/chats";
const SECRET_TEXT: &str = "for editors only";

fn synthetic(base_url: bool) -> Project {
    let (zip, _) = synthetic_export(300, 3, 11, false);
    let p = Project::init();
    let base = if base_url {
        format!("base_url = \"{BASE}/\"\n")
    } else {
        String::new()
    };
    p.write(
        "scrollback.toml",
        &format!("title = \"Threads\"\n{base}page_size = 20\ntimezone = \"Europe/Paris\"\n"),
    );
    p.import(&zip);
    p
}

fn anchor(ts: &str) -> String {
    format!("m{}", ts.replace('.', "-"))
}

fn thread_file(slug: &str, ts: &str) -> String {
    format!("{slug}/thread-{}.html", ts.replace('.', "-"))
}

/// Writes a reply to `parent` in `slug`'s content.
fn reply(p: &Project, slug: &str, parent: &str, ts: &str, text: &str) {
    p.write(
        &format!("content/channels/{slug}/messages/{ts}.json"),
        &serde_json::json!({"ts": ts, "slack": {"type": "message", "user": "U00001000",
            "text": text, "ts": ts, "thread_ts": parent}})
        .to_string(),
    );
}

/// Each top-level message of a chat's feed that should have a thread page (published, not a
/// tombstone, with a published reply): its ts and its replies' ts.
fn threads_in_feed(p: &Project, slug: &str) -> BTreeMap<String, Vec<String>> {
    p.feed(slug)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["tombstone"] != true)
        .filter_map(|m| {
            let replies: Vec<String> = m["thread"]
                .as_array()?
                .iter()
                .map(|r| r["ts"].as_str().unwrap().to_owned())
                .collect();
            (!replies.is_empty()).then(|| (m["ts"].as_str().unwrap().to_owned(), replies))
        })
        .collect()
}

/// The thread pages `site/` holds for a chat.
fn thread_pages(p: &Project, slug: &str) -> BTreeSet<String> {
    p.snapshot(&format!("site/{slug}"))
        .into_keys()
        .filter(|k| k.starts_with("thread-") && k.ends_with(".html"))
        .map(|k| format!("{slug}/{k}"))
        .collect()
}

/// The chat page (site path) whose `li[id=anchor]` holds the message.
fn page_showing(p: &Project, slug: &str, anchor: &str) -> String {
    p.snapshot(&format!("site/{slug}"))
        .into_iter()
        .filter(|(k, _)| k.starts_with("page-"))
        .find(|(_, bytes)| {
            let html = String::from_utf8_lossy(bytes);
            html.contains(&format!("id={anchor}>")) || html.contains(&format!("id=\"{anchor}\""))
        })
        .map(|(k, _)| format!("{slug}/{k}"))
        .unwrap_or_else(|| panic!("no page of {slug} shows #{anchor}"))
}

fn json_ld(page: &Page, rel: &str) -> Value {
    let scripts = page.select("script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1, "{rel}: one JSON-LD script");
    let text: String = scripts[0].text().collect();
    assert!(!text.contains('<'), "{rel}: unescaped markup");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn nonempty<'a>(v: &'a Value, key: &str, rel: &str) -> &'a str {
    let s = v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{rel}: no {key} in {v}"));
    assert!(!s.trim().is_empty(), "{rel}: empty {key}");
    s
}

/// Google's required properties for a discussion and its comments (author with a name,
/// datePublished, text) and the recommended ones a thread page has (headline, url, comment).
fn check_json_ld(doc: &Value, rel: &str, canonical: &str, replies: &[String]) {
    assert_eq!(doc["@context"], "https://schema.org", "{rel}");
    assert_eq!(doc["@type"], "DiscussionForumPosting", "{rel}");
    nonempty(doc, "headline", rel);
    nonempty(doc, "text", rel);
    nonempty(doc, "datePublished", rel);
    nonempty(doc, "dateModified", rel);
    assert_eq!(doc["author"]["@type"], "Person", "{rel}");
    nonempty(&doc["author"], "name", rel);
    assert_eq!(doc["url"], canonical, "{rel}");
    assert_eq!(doc["mainEntityOfPage"], canonical, "{rel}");
    let comments = doc["comment"].as_array().cloned().unwrap_or_default();
    // Every published reply with something to say (a reply of only a deleted file has none).
    assert!(
        comments.len() <= replies.len() && !comments.is_empty(),
        "{rel}"
    );
    assert_eq!(doc["commentCount"], comments.len(), "{rel}");
    let anchors: BTreeSet<String> = replies.iter().map(|r| anchor(r)).collect();
    for c in &comments {
        assert_eq!(c["@type"], "Comment", "{rel}");
        nonempty(c, "text", rel);
        nonempty(c, "datePublished", rel);
        nonempty(&c["author"], "name", rel);
        let url = nonempty(c, "url", rel);
        let (page, a) = url.split_once('#').unwrap();
        assert_eq!(page, canonical, "{rel}");
        assert!(
            anchors.contains(a),
            "{rel}: {url} is no reply of the thread"
        );
    }
}

/// A published parent that has a thread in `slug`, with its replies.
fn some_thread(p: &Project, slug: &str) -> (String, Vec<String>) {
    threads_in_feed(p, slug)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{slug} has no thread"))
}

#[test]
fn every_thread_with_a_published_reply_has_a_page_and_nothing_else_does() {
    let p = synthetic(true);
    let chats = p.chats();
    let slug = &chats[0];
    p.build();
    // A comment-tagged reply in a thread, and a message whose only reply is one.
    let (parent, _) = some_thread(&p, slug);
    reply(
        &p,
        slug,
        &parent,
        "1900000000.000100",
        &format!("&lt;#&gt; {SECRET_TEXT}"),
    );
    let lonely = "1900000001.000100";
    p.write(
        &format!("content/channels/{slug}/messages/{lonely}.json"),
        &serde_json::json!({"ts": lonely, "slack": {"type": "message", "user": "U00001000",
            "text": "a question nobody answered in public", "ts": lonely}})
        .to_string(),
    );
    reply(
        &p,
        slug,
        lonely,
        "1900000002.000100",
        &format!("&lt;#&gt; {SECRET_TEXT}"),
    );
    p.build();

    let sitemap_urls = thread_sitemap_urls(&p);
    let mut all_pages = BTreeSet::new();
    for slug in &chats {
        let threads = threads_in_feed(&p, slug);
        assert!(!threads.is_empty(), "{slug}: the export has threads");
        let expected: BTreeSet<String> = threads.keys().map(|ts| thread_file(slug, ts)).collect();
        assert_eq!(thread_pages(&p, slug), expected, "{slug}");
        for (ts, replies) in &threads {
            let rel = thread_file(slug, ts);
            let html = p.read(&format!("site/{rel}"));
            let page = Page::parse(&html);
            // The parent, then exactly its published replies, in order.
            assert_eq!(
                page.attrs("ol.messages > li[id]", "id"),
                vec![anchor(ts)],
                "{rel}"
            );
            let shown = page.attrs("ol.replies > li[id]", "id");
            let want: Vec<String> = replies.iter().map(|r| anchor(r)).collect();
            assert_eq!(shown, want, "{rel}");
            assert!(!html.contains(SECRET_TEXT), "{rel}");
            // Its own canonical URL and title; no rel=prev/next between threads.
            let canonical = format!("{BASE}/{rel}");
            assert_eq!(
                page.attrs("link[rel=canonical]", "href"),
                vec![canonical.clone()],
                "{rel}"
            );
            assert_eq!(page.count("[rel=prev], [rel=next]"), 0, "{rel}");
            let title = page.text("title");
            assert!(title.ends_with(" · Threads"), "{rel}: {title}");
            assert!(!title.contains('\n'), "{rel}: {title}");
            assert!(title.chars().count() <= 101 + " · Threads".len(), "{title}");
            // Back to the parent's place: the chat page that shows it, at its anchor.
            let back = page.attrs(".thread-back a", "href");
            assert_eq!(back.len(), 1, "{rel}");
            let (target, a) = back[0].split_once('#').unwrap();
            assert_eq!(a, anchor(ts), "{rel}");
            let showing = page_showing(&p, slug, &anchor(ts));
            let expected_target = match showing.rsplit('/').next().unwrap() {
                "page-1.html" => "./",
                other => other,
            };
            assert_eq!(target, expected_target, "{rel}");
            // The chat page links the thread's page from the parent's count of replies.
            let chat_page = p.page(&format!("site/{showing}"));
            assert_eq!(
                chat_page.attrs(&format!("li#{} .thread-link", anchor(ts)), "href"),
                vec![rel.rsplit('/').next().unwrap().to_owned()],
                "{showing}"
            );
            // Structured data and social cards of its own.
            check_json_ld(&json_ld(&page, &rel), &rel, &canonical, replies);
            let meta = |css: &str| page.attrs(css, "content");
            assert_eq!(meta("meta[property='og:url']"), vec![canonical.clone()]);
            assert_eq!(
                meta("meta[property='og:title']"),
                vec![title.trim_end_matches(" · Threads").to_owned()]
            );
            assert_eq!(meta("meta[property='og:type']"), vec!["article"]);
            // In the chat's thread sitemap, with the thread's last change.
            assert!(
                sitemap_urls.get(&canonical).is_some_and(Option::is_some),
                "{canonical} not in a thread sitemap with its lastmod"
            );
            all_pages.insert(canonical);
        }
    }
    // The thread sitemaps list the thread pages and nothing else (nothing unpublished).
    assert_eq!(
        sitemap_urls.keys().cloned().collect::<BTreeSet<_>>(),
        all_pages
    );
    assert!(!p.exists(&format!("site/{}", thread_file(slug, lonely))));
    for (rel, bytes) in p.snapshot("site") {
        if rel.ends_with(".xml") || rel.ends_with(".html") {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET_TEXT),
                "{rel}"
            );
        }
    }
}

/// Every URL of every `<slug>/sitemap-threads-N.xml`, with its lastmod; each file is in the
/// sitemap index.
fn thread_sitemap_urls(p: &Project) -> BTreeMap<String, Option<String>> {
    let index = p.read("site/sitemap.xml");
    let mut urls = BTreeMap::new();
    for (rel, bytes) in p.snapshot("site") {
        if !rel.contains("/sitemap-threads-") {
            continue;
        }
        assert!(index.contains(&format!("<loc>{BASE}/{rel}</loc>")), "{rel}");
        let text = String::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        for url in doc.descendants().filter(|n| n.has_tag_name("url")) {
            let text_of = |name: &str| {
                url.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .map(str::to_owned)
            };
            let loc = text_of("loc").unwrap();
            assert!(loc.contains("/thread-"), "{rel}: {loc}");
            assert!(urls.insert(loc, text_of("lastmod")).is_none());
        }
    }
    urls
}

#[test]
fn a_reader_goes_from_the_chat_to_a_thread_and_back_to_its_parent() {
    let p = synthetic(false);
    let slug = p.chats()[1].clone();
    p.build();
    // A thread on a later page, so the back link names a numbered page.
    let threads = threads_in_feed(&p, &slug);
    let (parent, replies) = threads
        .iter()
        .rev()
        .find(|(ts, _)| page_showing(&p, &slug, &anchor(ts)) != format!("{slug}/page-1.html"))
        .map(|(t, r)| (t.clone(), r.clone()))
        .unwrap_or_else(|| some_thread(&p, &slug));
    reply(
        &p,
        &slug,
        &parent,
        "1900000000.000100",
        &format!("&lt;#&gt; {SECRET_TEXT}"),
    );
    let server = Server::start(&p);
    let showing = page_showing(&p, &slug, &anchor(&parent));
    let mut browser = Browser::launch();
    let tab = browser.open(&format!("http://{}/{showing}", server.addr));
    let a = anchor(&parent);
    let link = browser.wait_for(
        &tab,
        &format!("document.querySelector('li#{a} .thread-link').href"),
        "the thread's link on the chat page",
    );
    // Each link is followed in a tab of its own, as the browser resolved it (a click would
    // navigate the tab under the DevTools call that made it).
    let tab = browser.open(link.as_str().unwrap());
    browser.wait_for(
        &tab,
        &format!("location.href === {link} && document.readyState === 'complete'"),
        "the thread page",
    );
    // Every published reply, and not the comment-tagged one.
    let shown = browser.wait_for(
        &tab,
        "Array.from(document.querySelectorAll('ol.replies > li')).map(li => li.id)",
        "the replies",
    );
    let want: Vec<String> = replies.iter().map(|r| anchor(r)).collect();
    assert_eq!(shown, serde_json::json!(want));
    let text = browser.eval(&tab, "document.body.innerText");
    assert!(!text.as_str().unwrap().contains(SECRET_TEXT), "{text}");
    // The browser reads the JSON-LD too.
    let kind = browser.eval(
        &tab,
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)['@type']",
    );
    assert_eq!(kind, "DiscussionForumPosting");
    // Back: the chat page that shows the parent, scrolled to it.
    let back = browser.wait_for(
        &tab,
        "document.querySelector('.thread-back a').href",
        "the link back",
    );
    let tab = browser.open(back.as_str().unwrap());
    let landed = browser.wait_for(
        &tab,
        &format!(
            "location.hash === '#{a}' && document.readyState === 'complete' && document.getElementById('{a}') && location.pathname"
        ),
        "the parent's anchor on its chat page",
    );
    let path = landed.as_str().unwrap();
    let expected = format!("/{showing}");
    assert!(
        path == expected || (expected.ends_with("/page-1.html") && path == format!("/{slug}/")),
        "{path} is not {expected}"
    );
    let target = browser.eval(&tab, "document.querySelector(':target').id");
    assert_eq!(target, a.as_str());
}

/// (inode, mtime in ns) of each thread page: what changes when the file is rewritten.
fn stamps(p: &Project, slug: &str) -> BTreeMap<String, (u64, i64)> {
    thread_pages(p, slug)
        .into_iter()
        .map(|rel| {
            let m = std::fs::metadata(p.path(&format!("site/{rel}"))).unwrap();
            (rel, (m.ino(), m.mtime() * 1_000_000_000 + m.mtime_nsec()))
        })
        .collect()
}

#[test]
fn a_new_reply_rewrites_only_its_threads_page() {
    let p = synthetic(true);
    let slug = p.chats()[0].clone();
    p.build();
    let before = stamps(&p, &slug);
    assert!(before.len() > 2, "{before:?}");
    let (parent, _) = some_thread(&p, &slug);
    reply(&p, &slug, &parent, "1900000000.000100", "a late answer");
    let out = p.ok(&["build"]);
    let after = stamps(&p, &slug);
    let changed: Vec<&String> = after
        .iter()
        .filter(|(rel, stamp)| before.get(*rel) != Some(*stamp))
        .map(|(rel, _)| rel)
        .collect();
    assert_eq!(changed, vec![&thread_file(&slug, &parent)], "{out}");
    assert!(
        p.read(&format!("site/{}", thread_file(&slug, &parent)))
            .contains("a late answer")
    );

    // A first reply to a message starts its page, and touches no other.
    let threads = threads_in_feed(&p, &slug);
    let single = p.feed(&slug)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["thread_ts"].is_null() && m["tombstone"] != true)
        .map(|m| m["ts"].as_str().unwrap().to_owned())
        .find(|ts| !threads.contains_key(ts))
        .unwrap();
    let before = after;
    reply(&p, &slug, &single, "1900000001.000100", "now a thread");
    p.build();
    let after = stamps(&p, &slug);
    let new = thread_file(&slug, &single);
    assert!(after.contains_key(&new));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(rel, stamp)| before.get(*rel) != Some(*stamp))
        .map(|(rel, _)| rel)
        .collect();
    assert_eq!(changed, vec![&new]);
    // The newest thread is the last URL of the chat's last thread sitemap.
    let last = p
        .snapshot(&format!("site/{slug}"))
        .into_keys()
        .filter_map(|k| {
            let n: usize = k
                .strip_prefix("sitemap-threads-")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((n, k))
        })
        .max()
        .unwrap()
        .1;
    let text = p.read(&format!("site/{slug}/{last}"));
    let locs: Vec<&str> = text
        .match_indices("<loc>")
        .map(|(i, _)| &text[i + 5..])
        .collect();
    assert!(
        locs.last().unwrap().starts_with(&format!("{BASE}/{new}<")),
        "{text}"
    );
}

#[test]
fn a_deleted_parent_keeps_its_replies_on_the_chat_page_but_has_no_thread_page() {
    let p = synthetic(false);
    let slug = p.chats()[0].clone();
    p.build();
    let (parent, replies) = some_thread(&p, &slug);
    let rel = thread_file(&slug, &parent);
    assert!(p.exists(&format!("site/{rel}")));
    let path = format!("content/channels/{slug}/messages/{parent}.json");
    let mut record: Value = serde_json::from_str(&p.read(&path)).unwrap();
    record["deleted"] = true.into();
    p.write(&path, &record.to_string());
    p.build();
    assert!(
        !p.exists(&format!("site/{rel}")),
        "{rel} outlived its parent"
    );
    let showing = page_showing(&p, &slug, &anchor(&replies[0]));
    let page = p.page(&format!("site/{showing}"));
    assert_eq!(
        page.count(&format!("li#{} .thread-link", anchor(&parent))),
        0
    );
    assert_eq!(page.count(&format!("li#{} .tombstone", anchor(&parent))), 1);
}
