//! What makes the site findable (issue 16): `sitemap.xml` (an index of small child sitemaps),
//! `robots.txt` and the Atom feeds, through the real binary. The sitemap is compared with the
//! pages `site/` actually holds, every file is parsed by a real XML parser, and the feeds are
//! checked against RFC 4287's rules.

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node};
use serde_json::Value;

use crate::support::exports::{official_export, synthetic_export};
use crate::support::project::Project;

const BASE: &str = "https://news.example/chats";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAPS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn config(base_url: bool) -> String {
    let base = if base_url { BASE } else { "" };
    format!(
        "title = \"Findable & co\"\nbase_url = \"{base}/\"\npage_size = 20\ntimezone = \"Europe/Paris\"\n"
    )
    .replace("base_url = \"/\"", "base_url = \"\"")
}

/// A synthetic site: three public chats (published) and private conversations (drafts).
fn synthetic(base_url: bool) -> Project {
    let (zip, _) = synthetic_export(300, 3, 11, true);
    let p = Project::init();
    p.write("scrollback.toml", &config(base_url));
    p.import(&zip);
    p
}

fn published(p: &Project) -> Vec<String> {
    p.chat_states()
        .into_iter()
        .filter(|(_, state)| state != "draft")
        .map(|(slug, _)| slug)
        .collect()
}

/// Every XML file the site holds, each parsed (a parse error fails the test).
fn parse_all_xml(p: &Project) {
    for (rel, bytes) in p.snapshot("site") {
        if rel.ends_with(".xml") {
            let text = String::from_utf8(bytes).unwrap();
            Document::parse(&text).unwrap_or_else(|e| panic!("{rel} is not XML: {e}"));
        }
    }
}

fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'a str, name: &'a str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|c| c.has_tag_name((ns, name)))
        .collect()
}

fn one_text(node: Node<'_, '_>, ns: &str, name: &str) -> String {
    let found = children(node, ns, name);
    assert_eq!(
        found.len(),
        1,
        "exactly one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0].text().unwrap_or("").to_owned()
}

/// An RFC 3339 date-time (Atom's Date construct, also W3C Datetime for sitemaps).
fn assert_rfc3339(s: &str) {
    let ok = s.len() >= 20
        && s.as_bytes()[10] == b'T'
        && (s.ends_with('Z') || s[19..].contains(['+', '-']))
        && s.parse::<jiff::Timestamp>().is_ok();
    assert!(ok, "not RFC 3339: {s:?}");
}

/// The sitemap's URLs with their lastmod, following the index to its children; checks the
/// protocol's rules on the way.
fn sitemap_urls(p: &Project) -> BTreeMap<String, Option<String>> {
    let text = p.read("site/sitemap.xml");
    let index = Document::parse(&text).unwrap();
    let root = index.root_element();
    assert!(root.has_tag_name((SITEMAPS, "sitemapindex")), "{text}");
    let mut urls = BTreeMap::new();
    let sitemaps = children(root, SITEMAPS, "sitemap");
    assert!(!sitemaps.is_empty() && sitemaps.len() <= 50_000);
    for sitemap in sitemaps {
        let loc = one_text(sitemap, SITEMAPS, "loc");
        let rel = loc
            .strip_prefix(&format!("{BASE}/"))
            .unwrap_or_else(|| panic!("{loc} is not on the site"));
        // A sitemap lists only URLs under its own folder.
        let folder = format!("{BASE}/{}", &rel[..rel.rfind('/').map_or(0, |i| i + 1)]);
        let child_text = p.read(&format!("site/{rel}"));
        let child = Document::parse(&child_text).unwrap();
        let set = child.root_element();
        assert!(set.has_tag_name((SITEMAPS, "urlset")), "{child_text}");
        let entries = children(set, SITEMAPS, "url");
        assert!(!entries.is_empty() && entries.len() <= 50_000);
        let mut newest: Option<String> = None;
        for url in entries {
            let page = one_text(url, SITEMAPS, "loc");
            assert!(page.starts_with(&folder), "{page} listed in {loc}");
            let lastmod = children(url, SITEMAPS, "lastmod")
                .first()
                .map(|n| n.text().unwrap().to_owned());
            if let Some(at) = &lastmod {
                assert_rfc3339(at);
                newest = newest.max(Some(at.clone()));
            }
            assert!(urls.insert(page.clone(), lastmod).is_none(), "{page} twice");
        }
        // The index says when its child last changed: its newest URL.
        let said = children(sitemap, SITEMAPS, "lastmod")
            .first()
            .map(|n| n.text().unwrap().to_owned());
        assert_eq!(said, newest, "{loc}");
    }
    urls
}

/// The published pages in `site/`, as URLs: every HTML file but uploads, emoji, assets and the
/// search page (no content of its own: `noindex`, not in the sitemap).
/// The canonical URL of every page of the site (page 1 of an archived chat is also its
/// address, `index.html`: one URL for both), each checked against the page's own canonical link.
fn html_pages(p: &Project) -> BTreeSet<String> {
    p.snapshot("site")
        .into_iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .filter(|(k, _)| {
            !["files/", "emoji/", "assets/", "search/"]
                .iter()
                .any(|d| k.starts_with(d))
        })
        .map(|(k, bytes)| {
            let html = String::from_utf8_lossy(&bytes).into_owned();
            let canonical = canonical_link(&html).unwrap_or_else(|| panic!("{k}: no canonical"));
            let own = format!("{BASE}/{}", k.strip_suffix("index.html").unwrap_or(&k));
            assert!(
                canonical == own || k.ends_with("/page-1.html") || k.ends_with("/index.html"),
                "{k}: canonical {canonical}"
            );
            canonical
        })
        .collect()
}

/// The `href` of a page's `<link rel=canonical>` (minified or not).
fn canonical_link(html: &str) -> Option<String> {
    let at = html
        .find("rel=canonical")
        .or_else(|| html.find("rel=\"canonical\""))?;
    let start = html[..at].rfind("<link")?;
    let tag = &html[start..start + html[start..].find('>')?];
    let href = &tag[tag.find("href=")? + 5..];
    let href = href.trim_start_matches('"');
    let end = href.find(['"', ' ', '>']).unwrap_or(href.len());
    Some(href[..end].to_owned())
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: String,
    link: String,
    updated: String,
    title: String,
}

/// Checks a feed against RFC 4287 (4.1.1: the feed's id, title, updated, a self link, an author
/// or one per entry; 4.1.2: each entry's id, title, updated and an alternate link; ids unique)
/// and returns its entries.
fn atom_entries(text: &str) -> (String, Vec<Entry>) {
    let doc = Document::parse(text).unwrap();
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    let id = one_text(feed, ATOM, "id");
    assert!(id.starts_with("https://"), "{id}");
    one_text(feed, ATOM, "title");
    let updated = one_text(feed, ATOM, "updated");
    assert_rfc3339(&updated);
    assert!(
        children(feed, ATOM, "link")
            .iter()
            .any(|l| l.attribute("rel") == Some("self")
                && l.attribute("href").is_some_and(|h| h.ends_with("atom.xml")))
    );
    let mut entries = Vec::new();
    let mut ids = BTreeSet::new();
    for e in children(feed, ATOM, "entry") {
        let id = one_text(e, ATOM, "id");
        assert!(id.starts_with("tag:") || id.starts_with("https://"), "{id}");
        assert!(ids.insert(id.clone()), "{id} twice");
        let title = one_text(e, ATOM, "title");
        assert!(!title.trim().is_empty());
        let updated = one_text(e, ATOM, "updated");
        assert_rfc3339(&updated);
        assert_rfc3339(&one_text(e, ATOM, "published"));
        let links: Vec<&str> = children(e, ATOM, "link")
            .iter()
            .filter(|l| l.attribute("rel").is_none_or(|r| r == "alternate"))
            .filter_map(|l| l.attribute("href"))
            .collect();
        assert_eq!(links.len(), 1, "{id}");
        let author = children(e, ATOM, "author");
        assert_eq!(author.len(), 1, "{id} has an author");
        assert!(!one_text(author[0], ATOM, "name").is_empty());
        entries.push(Entry {
            id,
            link: links[0].to_owned(),
            updated,
            title,
        });
    }
    assert!(entries.len() <= scrollback::build::outputs::atom::ENTRIES);
    let newest = entries.iter().map(|e| e.updated.clone()).max();
    assert_eq!(
        Some(updated.clone()),
        newest.or(Some("1970-01-01T00:00:00Z".to_owned())),
        "the feed's updated is its newest entry's"
    );
    (updated, entries)
}

/// The message a link points at is on the page it names.
/// The page an Atom entry links and the anchor of its message there: `page#anchor`, or a
/// thread's page (`thread-<ts>.html`), where its parent is `m<ts>`.
fn link_target(link: &str) -> (&str, String) {
    match link.split_once('#') {
        Some((page, anchor)) => (page, anchor.to_owned()),
        None => {
            let file = link.rsplit_once('/').unwrap().1;
            let ts = file.strip_prefix("thread-").unwrap();
            (link, format!("m{}", ts.strip_suffix(".html").unwrap()))
        }
    }
}

/// The page at `link` shows its message.
fn assert_lands(p: &Project, link: &str) {
    let (page, anchor) = link_target(link);
    let rel = page.strip_prefix(&format!("{BASE}/")).unwrap();
    let file = if rel.is_empty() || rel.ends_with('/') {
        format!("site/{rel}index.html")
    } else {
        format!("site/{rel}")
    };
    let html = p.read(&file);
    assert!(
        html.contains(&format!("id={anchor}")) || html.contains(&format!("id=\"{anchor}\"")),
        "{link}: no #{anchor} in {file}"
    );
}

/// A chat's published top-level messages (tombstones aside), newest first, from its feed.
fn newest_tops(p: &Project, slug: &str) -> Vec<String> {
    let feed: Value = p.feed(slug);
    let mut tops: Vec<String> = feed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["tombstone"] != true)
        .map(|m| m["ts"].as_str().unwrap().to_owned())
        .collect();
    tops.reverse();
    tops
}

fn anchor(ts: &str) -> String {
    format!("m{}", ts.replace('.', "-"))
}

#[test]
fn the_sitemap_lists_every_published_page_and_nothing_else() {
    // The real 2016 export: two chats of 147 published messages.
    let p = Project::init();
    p.write("scrollback.toml", &config(true));
    p.import(&official_export()).build();
    parse_all_xml(&p);
    let urls = sitemap_urls(&p);
    let listed: BTreeSet<String> = urls.keys().cloned().collect();
    assert_eq!(listed, html_pages(&p));
    assert!(listed.len() > 3, "{listed:?}");
    // Pages carry their lastmod, from their messages; the canonical link is the sitemap's URL.
    for (url, lastmod) in &urls {
        assert!(lastmod.is_some(), "{url}");
        if url != &format!("{BASE}/") {
            let rel = url.strip_prefix(&format!("{BASE}/")).unwrap();
            let file = if rel.ends_with('/') {
                format!("site/{rel}index.html")
            } else {
                format!("site/{rel}")
            };
            assert!(
                p.read(&file)
                    .contains(&format!("<link href=\"{url}\" rel=canonical>"))
                    || p.read(&file)
                        .contains(&format!("rel=canonical href=\"{url}\"")),
                "{file} names {url} canonical"
            );
        }
    }

    // A synthetic site with drafts (the private conversations), comment-tagged messages and a
    // hidden one: only the published chats' pages.
    let p = synthetic(true);
    let all = p.chat_states();
    assert!(all.iter().any(|(_, s)| s == "draft"), "{all:?}");
    p.build();
    parse_all_xml(&p);
    let listed: BTreeSet<String> = sitemap_urls(&p).into_keys().collect();
    assert_eq!(listed, html_pages(&p));
    for (slug, state) in &all {
        let prefix = format!("{BASE}/{slug}/");
        assert_eq!(
            listed.contains(&prefix),
            state != "draft",
            "{slug} ({state})"
        );
    }
    let robots = p.read("site/robots.txt");
    assert!(robots.contains("User-agent: *\nAllow: /\n"), "{robots}");
    assert!(
        robots.contains(&format!("\nSitemap: {BASE}/sitemap.xml\n")),
        "{robots}"
    );
}

#[test]
fn atom_feeds_hold_the_newest_published_messages_and_follow_rfc_4287() {
    let p = synthetic(true);
    let slugs = published(&p);
    // A recent top-level message of the first chat, hidden by an editor, and a comment: never
    // in a feed.
    let first = &slugs[0];
    let hidden_ts = newest_tops_in_content(&p, first)[2].clone();
    let path = format!("content/channels/{first}/messages/{hidden_ts}.json");
    let mut record: Value = serde_json::from_str(&p.read(&path)).unwrap();
    record["hidden"] = true.into();
    p.write(&path, &record.to_string());
    let comment_ts = "1900000000.000100";
    p.write(
        &format!("content/channels/{first}/messages/{comment_ts}.json"),
        &serde_json::json!({"ts": comment_ts, "slack": {"type": "message", "user": "U00001000",
            "text": "&lt;#&gt; for editors only", "ts": comment_ts}})
        .to_string(),
    );
    p.build();
    parse_all_xml(&p);

    let mut all_entries = Vec::new();
    let mut thread_links = 0;
    for slug in &slugs {
        let text = p.read(&format!("site/{slug}/atom.xml"));
        let (_, entries) = atom_entries(&text);
        let expected: Vec<String> = newest_tops(&p, slug)
            .into_iter()
            .take(scrollback::build::outputs::atom::ENTRIES)
            .collect();
        // A single message's entry links its anchor on its page; a thread's, its own page.
        let got: Vec<String> = entries.iter().map(|e| link_target(&e.link).1).collect();
        thread_links += entries.iter().filter(|e| !e.link.contains('#')).count();
        assert_eq!(
            got,
            expected.iter().map(|t| anchor(t)).collect::<Vec<_>>(),
            "{slug}: the newest published top-level messages, newest first"
        );
        for e in &entries {
            assert_lands(&p, &e.link);
        }
        // The chat's pages point feed readers at it.
        assert!(
            p.read(&format!("site/{slug}/index.html"))
                .contains(&format!("<link href=\"{BASE}/{slug}/atom.xml\"")),
            "{slug}"
        );
        all_entries.extend(entries);
    }
    assert!(thread_links > 0, "threads are linked to their own pages");
    let everything = p.snapshot("site");
    for (rel, bytes) in &everything {
        if rel.ends_with(".xml") {
            let text = String::from_utf8_lossy(bytes);
            for ts in [hidden_ts.as_str(), comment_ts] {
                assert!(!text.contains(ts), "{ts} in {rel}");
            }
            assert!(!text.contains("for editors only"), "{rel}");
        }
    }
    for (slug, state) in p.chat_states() {
        if state == "draft" {
            assert!(!p.exists(&format!("site/{slug}")), "{slug}");
            for (rel, bytes) in &everything {
                if rel.ends_with(".xml") {
                    assert!(!String::from_utf8_lossy(bytes).contains(&format!("/{slug}/")));
                }
            }
        }
    }

    // The site's feed: the newest entries across the chats, the same entries.
    let (_, site) = atom_entries(&p.read("site/atom.xml"));
    let by_ts = |e: &Entry| {
        let ts = e.id.rsplit('/').next().unwrap().to_owned();
        scrollback::content::Ts::parse(&ts).unwrap().micros()
    };
    all_entries.sort_by_key(|e| std::cmp::Reverse(by_ts(e)));
    assert_eq!(
        site.len(),
        scrollback::build::outputs::atom::ENTRIES.min(all_entries.len())
    );
    assert_eq!(site, all_entries[..site.len()].to_vec());
}

/// The content tree's top-level messages of a chat, newest first.
fn newest_tops_in_content(p: &Project, slug: &str) -> Vec<String> {
    let mut tops: Vec<String> = p
        .snapshot(&format!("content/channels/{slug}/messages"))
        .into_iter()
        .filter_map(|(name, bytes)| {
            let m: Value = serde_json::from_slice(&bytes).ok()?;
            let ts = name.trim_end_matches(".json").to_owned();
            let thread = m["slack"]["thread_ts"].as_str();
            let plain = m["slack"]["subtype"].is_null()
                && !m["slack"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("&lt;#&gt;");
            (plain && thread.is_none_or(|t| t == ts)).then_some(ts)
        })
        .collect();
    tops.sort();
    tops.reverse();
    tops
}

#[test]
fn atom_ids_stay_when_pages_shift_and_messages_change() {
    let p = synthetic(true);
    let slug = published(&p)[0].clone();
    p.build();
    let feed = |p: &Project| atom_entries(&p.read(&format!("site/{slug}/atom.xml"))).1;
    let before = feed(&p);
    // A second build, and a clean one: the same bytes.
    p.build();
    assert_eq!(feed(&p), before);
    let clean = p.clean_build();
    assert_eq!(
        clean[&format!("{slug}/atom.xml")],
        p.snapshot("site")[&format!("{slug}/atom.xml")]
    );

    // An old message arrives (every later message moves down a place, some to another page),
    // a new one too, and the newest is edited.
    let user = "U00001000";
    for ts in ["1000000000.000001", "1900000000.000001"] {
        p.write(
            &format!("content/channels/{slug}/messages/{ts}.json"),
            &serde_json::json!({"ts": ts, "slack": {"type": "message", "user": user,
                "text": format!("added {ts}"), "ts": ts}})
            .to_string(),
        );
    }
    let edited = newest_tops_in_content(&p, &slug)[1].clone();
    let path = format!("content/channels/{slug}/messages/{edited}.json");
    let mut record: Value = serde_json::from_str(&p.read(&path)).unwrap();
    record["slack"]["text"] = "edited text".into();
    record["slack"]["edited"] = serde_json::json!({"ts": "1950000000.000000"});
    p.write(&path, &record.to_string());
    p.build();
    let after = feed(&p);
    assert_eq!(after[0].title, "added 1900000000.000001");
    let old: BTreeMap<String, &Entry> = before
        .iter()
        .map(|e| (e.id.rsplit('/').next().unwrap().to_owned(), e))
        .collect();
    let mut moved = 0;
    for e in &after {
        let ts = e.id.rsplit('/').next().unwrap();
        if let Some(was) = old.get(ts) {
            assert_eq!(was.id, e.id, "the id of {ts} changed");
            if was.link != e.link {
                moved += 1;
            }
            if ts == edited {
                assert_eq!(e.updated, "2031-10-17T10:40:00Z");
                assert_ne!(was.updated, e.updated);
            } else {
                assert_eq!(was.updated, e.updated);
            }
        }
        assert_lands(&p, &e.link);
    }
    assert!(moved > 0, "some messages moved to another page");
}

#[test]
fn without_base_url_the_build_says_so_once_and_writes_none() {
    let p = synthetic(false);
    assert!(published(&p).len() > 1);
    let out = p.ok(&["build"]);
    assert_eq!(out.matches("No base_url").count(), 1, "{out}");
    assert!(
        out.contains("sitemap.xml, robots.txt and the Atom feeds"),
        "{out}"
    );
    let none = |p: &Project| {
        p.snapshot("site")
            .into_keys()
            .filter(|k| k.ends_with(".xml") || k == "robots.txt")
            .collect::<Vec<_>>()
    };
    assert_eq!(none(&p), Vec::<String>::new());
    for slug in published(&p) {
        assert!(
            !p.read(&format!("site/{slug}/index.html"))
                .contains("atom.xml")
        );
    }

    // With a base_url they come; taken away again, they go.
    p.write("scrollback.toml", &config(true));
    let out = p.ok(&["build"]);
    assert!(!out.contains("No base_url"), "{out}");
    assert!(p.exists("site/sitemap.xml") && p.exists("site/atom.xml"));
    p.write("scrollback.toml", &config(false));
    let out = p.ok(&["build"]);
    assert_eq!(out.matches("No base_url").count(), 1, "{out}");
    assert_eq!(none(&p), Vec::<String>::new());
    assert_eq!(p.snapshot("site"), p.clean_build());
}

#[test]
fn a_new_message_rewrites_its_chats_small_files_and_the_site_level_ones() {
    let p = synthetic(true);
    let slugs = published(&p);
    p.build();
    let before = p.snapshot("site");
    let ts = "1900000000.000001";
    p.write(
        &format!("content/channels/{}/messages/{ts}.json", slugs[1]),
        &serde_json::json!({"ts": ts, "slack": {"type": "message", "user": "U00001000",
            "text": "breaking", "ts": ts}})
        .to_string(),
    );
    p.build();
    let after = p.snapshot("site");
    let changed: BTreeSet<&str> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.as_str())
        .filter(|k| k.ends_with(".xml") || *k == "robots.txt")
        .collect();
    let chat = &slugs[1];
    let expected: BTreeSet<String> = [
        format!("{chat}/atom.xml"),
        format!("{chat}/sitemap-pages-1.xml"),
        "atom.xml".to_owned(),
        "sitemap.xml".to_owned(),
        "sitemap-site.xml".to_owned(),
    ]
    .into();
    assert_eq!(
        changed,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert!(p.read("site/atom.xml").contains(&format!("/{ts}</id>")));
    assert_eq!(after, p.clean_build());
}

#[test]
fn the_drafts_preview_turns_crawlers_away() {
    let p = synthetic(true);
    let project = scrollback::project::Project::new(std::fs::canonicalize(p.root()).unwrap());
    let target = scrollback::build::BuildTarget::draft_preview(&project);
    let dir = target.dir.clone();
    scrollback::build::SiteBuilder::with_target(
        &project,
        target,
        scrollback::build::Mode::Cold,
        scrollback::progress::ProgressMode::Quiet,
    )
    .build(&[scrollback::build::Change::Everything])
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("robots.txt")).unwrap(),
        "User-agent: *\nDisallow: /\n"
    );
    let xml: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    assert!(xml.is_empty(), "{xml:?}");
}
