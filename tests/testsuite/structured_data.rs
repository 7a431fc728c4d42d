//! Structured data and social cards on chat pages (issue 16, requirements 3 and 5), through the
//! real binary on the real 2016 export: every chat page's JSON-LD parses and has the properties
//! Google documents as required for its type (`DiscussionForumPosting` once archived,
//! `LiveBlogPosting` while live), names only messages the page shows, and has absolute URLs or
//! none; a real browser parses it too.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::browser::Browser;
use crate::support::exports::official_export;
use crate::support::page::Page;
use crate::support::project::Project;

const BASE: &str = "https://news.example/chats";
const TITLE: &str = "Findable & <co>";

fn project(base_url: bool) -> Project {
    let base = if base_url {
        format!("{BASE}/")
    } else {
        String::new()
    };
    let p = Project::init();
    p.write(
        "scrollback.toml",
        &format!(
            "title = \"{TITLE}\"\nbase_url = \"{base}\"\npage_size = 20\nlanguage = \"en-US\"\ntimezone = \"Europe/Paris\"\n"
        ),
    );
    p.import(&official_export());
    p
}

fn edit_channel(p: &Project, slug: &str, edit: impl Fn(String) -> String) {
    let path = format!("content/channels/{slug}/channel.toml");
    let text = p.read(&path);
    p.write(&path, &edit(text));
}

/// `channel.toml`'s text with top-level `key = value` (replacing the key if there).
fn set_key(text: &str, key: &str, value: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} =")))
        .map(str::to_owned)
        .collect();
    // Top-level keys come before any table.
    let at = lines
        .iter()
        .position(|l| l.starts_with('['))
        .unwrap_or(lines.len());
    lines.insert(at, format!("{key} = {value}"));
    lines.join("\n") + "\n"
}

/// Every chat page in `site/`: `<slug>/index.html` and `<slug>/page-N.html` (thread pages,
/// `thread-<ts>.html`, have their own tests in `thread_pages`).
fn chat_pages(p: &Project, slug: &str) -> Vec<String> {
    let pages: Vec<String> = p
        .snapshot("site")
        .into_keys()
        .filter(|k| k.starts_with(&format!("{slug}/")) && k.ends_with(".html"))
        .filter(|k| !k.contains("/thread-"))
        .collect();
    assert!(!pages.is_empty(), "{slug}: no pages");
    pages
}

/// The page's one JSON-LD document, parsed (as a browser reads the element's text).
fn json_ld(page: &Page, rel: &str) -> Value {
    let scripts = page.select("script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1, "{rel}: one JSON-LD script");
    let text: String = scripts[0].text().collect();
    // Nothing in it could end the element or open a comment.
    assert!(
        !text.contains('<') && !text.contains('>'),
        "{rel}: unescaped markup in {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: JSON-LD does not parse: {e}"))
}

fn meta(page: &Page, css: &str) -> Option<String> {
    page.attrs(css, "content").into_iter().next()
}

fn nonempty_str<'a>(v: &'a Value, key: &str, rel: &str) -> &'a str {
    let s = v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{rel}: {key} missing in {v}"));
    assert!(!s.trim().is_empty(), "{rel}: {key} empty");
    s
}

/// RFC 3339 with an offset, as ISO 8601 dates in schema.org should be.
fn assert_date(v: &Value, key: &str, rel: &str) {
    let s = nonempty_str(v, key, rel);
    assert!(
        s.len() == 25
            && s.as_bytes()[10] == b'T'
            && (s[19..].starts_with('+') || s[19..].starts_with('-')),
        "{rel}: {key} = {s}"
    );
}

fn assert_author(v: &Value, rel: &str) {
    let author = &v["author"];
    assert!(author.is_object(), "{rel}: author missing in {v}");
    nonempty_str(author, "name", rel);
}

/// A message's URL: this page's, with the anchor of a message the page shows.
fn assert_on_page(url: &str, canonical: Option<&str>, ids: &BTreeSet<String>, rel: &str) {
    let (page, anchor) = url
        .split_once('#')
        .unwrap_or_else(|| panic!("{rel}: {url}"));
    assert_eq!(Some(page), canonical, "{rel}: {url}");
    assert!(ids.contains(anchor), "{rel}: {url} is not on the page");
}

/// What every chat page's JSON-LD must say, checked against Google's documented properties.
fn check_page(p: &Project, rel: &str, with_base: bool) -> Value {
    let page = p.page(&format!("site/{rel}"));
    let doc = json_ld(&page, rel);
    let canonical = page.attrs("link[rel=canonical]", "href").into_iter().next();
    assert_eq!(canonical.is_some(), with_base, "{rel}");
    let ids: BTreeSet<String> = page.attrs("li[id]", "id").into_iter().collect();
    assert_eq!(doc["@context"], "https://schema.org", "{rel}");
    nonempty_str(&doc, "headline", rel);
    assert_date(&doc, "datePublished", rel);
    assert_date(&doc, "dateModified", rel);
    assert_eq!(doc["publisher"]["name"], TITLE, "{rel}");
    if with_base {
        assert_eq!(
            doc["mainEntityOfPage"].as_str(),
            canonical.as_deref(),
            "{rel}"
        );
    } else {
        // Never a relative URL: no URL at all.
        assert!(!doc.to_string().contains("\"url\""), "{rel}: {doc}");
        assert!(doc.get("mainEntityOfPage").is_none(), "{rel}");
    }
    match doc["@type"].as_str() {
        Some("DiscussionForumPosting") => {
            // Required: author (with a name), datePublished, and text (or image or video).
            assert_author(&doc, rel);
            nonempty_str(&doc, "text", rel);
            assert!(doc.get("coverageStartTime").is_none(), "{rel}");
            if with_base {
                let slug = rel.split('/').next().unwrap();
                assert_eq!(doc["url"], format!("{BASE}/{slug}/"), "{rel}");
            }
            let mut count = 0;
            let mut stack: Vec<&Value> = doc["comment"].as_array().unwrap().iter().collect();
            assert!(!stack.is_empty(), "{rel}: no comments");
            while let Some(c) = stack.pop() {
                count += 1;
                assert_eq!(c["@type"], "Comment", "{rel}");
                assert_author(c, rel);
                assert_date(c, "datePublished", rel);
                nonempty_str(c, "text", rel);
                if with_base {
                    assert_on_page(nonempty_str(c, "url", rel), canonical.as_deref(), &ids, rel);
                }
                if let Some(replies) = c["comment"].as_array() {
                    stack.extend(replies);
                }
            }
            assert_eq!(doc["commentCount"], count, "{rel}");
            assert!(count <= 40, "{rel}: {count} comments");
        }
        Some("LiveBlogPosting") => {
            // Google's live coverage: coverageStartTime, headline and the updates (each a
            // BlogPosting with headline, articleBody and datePublished); its end when the
            // editors set one.
            assert_date(&doc, "coverageStartTime", rel);
            if doc.get("coverageEndTime").is_some() {
                assert_date(&doc, "coverageEndTime", rel);
            }
            if with_base {
                assert_eq!(doc["url"].as_str(), canonical.as_deref(), "{rel}");
            }
            let updates = doc["liveBlogUpdate"].as_array().unwrap();
            assert!(!updates.is_empty() && updates.len() <= 20, "{rel}");
            let mut dates = Vec::new();
            for u in updates {
                assert_eq!(u["@type"], "BlogPosting", "{rel}");
                let headline = nonempty_str(u, "headline", rel);
                assert!(headline.chars().count() <= 110, "{rel}: {headline}");
                nonempty_str(u, "articleBody", rel);
                assert_date(u, "datePublished", rel);
                assert_author(u, rel);
                if with_base {
                    assert_on_page(nonempty_str(u, "url", rel), canonical.as_deref(), &ids, rel);
                }
                dates.push(u["datePublished"].as_str().unwrap().to_owned());
            }
            // Newest first, the newest being the page's last change.
            let mut sorted = dates.clone();
            sorted.sort();
            sorted.reverse();
            assert_eq!(dates, sorted, "{rel}");
            assert_eq!(
                doc["dateModified"].as_str(),
                Some(dates[0].as_str()),
                "{rel}"
            );
        }
        other => panic!("{rel}: unexpected @type {other:?}"),
    }
    doc
}

#[test]
fn archived_chats_are_discussions_and_live_ones_live_blogs() {
    let p = project(true);
    let chats = p.chats();
    let live = &chats[0];
    edit_channel(&p, live, |t| {
        t.replace("state = \"archived\"", "state = \"live\"")
    });
    p.build();
    let mut pages = 0;
    for slug in &chats {
        for rel in chat_pages(&p, slug) {
            let doc = check_page(&p, &rel, true);
            let expected = if slug == live {
                "LiveBlogPosting"
            } else {
                "DiscussionForumPosting"
            };
            assert_eq!(doc["@type"], expected, "{rel}");
            pages += 1;
        }
    }
    assert!(pages > chats.len(), "{pages} pages");
    // The live chat's address shows its latest messages: its updates are those.
    let landing = p.page(&format!("site/{live}/index.html"));
    let doc = json_ld(&landing, "landing");
    assert_eq!(doc["url"], format!("{BASE}/{live}/"));
    let newest_ts = landing
        .attrs("li[data-ts]", "data-ts")
        .into_iter()
        .max_by(|a, b| {
            let key = |s: &str| {
                s.split_once('.')
                    .map(|(a, b)| (a.parse::<u64>().unwrap(), b.to_owned()))
            };
            key(a).cmp(&key(b))
        })
        .unwrap();
    let update_url = doc["liveBlogUpdate"][0]["url"].as_str().unwrap();
    assert!(
        update_url.ends_with(&format!("#m{}", newest_ts.replace('.', "-"))),
        "{update_url} is not the newest message {newest_ts}"
    );

    // Social cards: the site's name and locale, and the same title as the page.
    let card = landing;
    assert_eq!(
        meta(&card, "meta[property='og:site_name']").as_deref(),
        Some(TITLE)
    );
    assert_eq!(
        meta(&card, "meta[property='og:locale']").as_deref(),
        Some("en_US")
    );
    assert_eq!(
        meta(&card, "meta[property='og:url']").as_deref(),
        Some(format!("{BASE}/{live}/").as_str())
    );
    assert_eq!(
        meta(&card, "meta[name='twitter:card']").as_deref(),
        Some("summary")
    );
    assert_eq!(meta(&card, "meta[property='og:image']"), None);
    let headline = card.text("h1");
    assert_eq!(
        meta(&card, "meta[property='og:title']"),
        Some(headline.clone())
    );
    assert_eq!(meta(&card, "meta[name='twitter:title']"), Some(headline));

    // A real browser parses the element's text as JSON.
    let mut browser = Browser::launch();
    let tab = browser.open(&format!(
        "file://{}",
        p.path(&format!("site/{live}/index.html")).display()
    ));
    let parsed = browser.wait_for(
        &tab,
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)",
        "the JSON-LD",
    );
    assert_eq!(parsed, doc);
}

/// `coverage_end` in `channel.toml` becomes a live chat's `coverageEndTime` (Google recommends
/// it); a value that is no date stops the build, naming the file and the key.
#[test]
fn a_live_chat_says_when_its_coverage_ends() {
    let p = project(true);
    let live = &p.chats()[0];
    edit_channel(&p, live, |t| {
        let t = t.replace("state = \"archived\"", "state = \"live\"");
        set_key(&t, "coverage_end", "\"2026-11-04T06:00:00-05:00\"")
    });
    p.build();
    let pages = chat_pages(&p, live);
    assert!(!pages.is_empty());
    for rel in &pages {
        let doc = check_page(&p, rel, true);
        assert_eq!(doc["@type"], "LiveBlogPosting", "{rel}");
        // 6 a.m. in New York is noon in Paris, the site's time zone.
        assert_eq!(doc["coverageEndTime"], "2026-11-04T12:00:00+01:00", "{rel}");
    }

    let before = p.snapshot("site");
    edit_channel(&p, live, |t| {
        set_key(&t, "coverage_end", "\"after the results\"")
    });
    let err = p.fails(&["build"]);
    assert!(
        err.contains(&format!("{live}/channel.toml"))
            && err.contains("coverage_end")
            && err.contains("after the results"),
        "{err}"
    );
    assert_eq!(p.snapshot("site"), before, "a failed build changes nothing");
}

#[test]
fn a_chat_image_makes_large_cards_with_absolute_urls() {
    let p = project(true);
    let chats = p.chats();
    let chat = &chats[1];
    edit_channel(&p, chat, |t| set_key(&t, "image", "\"/cards/general.png\""));
    p.build();
    let image = format!("{BASE}/cards/general.png");
    for rel in chat_pages(&p, chat) {
        let page = p.page(&format!("site/{rel}"));
        assert_eq!(
            meta(&page, "meta[property='og:image']").as_deref(),
            Some(image.as_str()),
            "{rel}"
        );
        assert_eq!(
            meta(&page, "meta[name='twitter:image']").as_deref(),
            Some(image.as_str()),
            "{rel}"
        );
        assert_eq!(
            meta(&page, "meta[name='twitter:card']").as_deref(),
            Some("summary_large_image"),
            "{rel}"
        );
        assert_eq!(json_ld(&page, &rel)["image"], image.as_str(), "{rel}");
    }
}

#[test]
fn without_base_url_the_json_ld_has_no_urls_and_cards_no_image() {
    let p = project(false);
    let chats = p.chats();
    edit_channel(&p, &chats[0], |t| {
        t.replace("state = \"archived\"", "state = \"live\"")
    });
    p.build();
    for slug in &chats {
        for rel in chat_pages(&p, slug) {
            check_page(&p, &rel, false);
            let page = p.page(&format!("site/{rel}"));
            assert_eq!(meta(&page, "meta[property='og:url']"), None, "{rel}");
        }
    }
}
