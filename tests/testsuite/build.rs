//! `scrollback build` through the real binary: what readers see in site/ and its feeds.

use serde_json::json;

use crate::support::exports::{mini_export, official_export, synthetic_export, write_zip};
use crate::support::page::Page;
use crate::support::project::{Project, feed_messages};

#[test]
fn official_export_builds_pages_and_feeds_without_tokens() {
    let p = Project::init();
    p.import(&official_export()).build();
    for page in [
        "site/index.html",
        "site/enrique/index.html",
        "site/traveling-sailor/index.html",
        "site/assets/style.css",
    ] {
        assert!(p.exists(page), "{page}");
    }
    let feed = p.feed("enrique");
    assert_eq!(feed["version"], 1);
    assert_eq!(feed["channel"]["id"], "C0JGLMMNX");
    assert_eq!(feed["channel"]["slug"], "enrique");
    assert_eq!(feed["channel"]["state"], "archived");
    let messages = feed["messages"].as_array().unwrap();
    // Oldest first.
    let ts: Vec<&str> = messages.iter().map(|m| m["ts"].as_str().unwrap()).collect();
    let mut sorted = ts.clone();
    sorted.sort();
    assert_eq!(ts, sorted);
    // Membership notices are not published.
    assert!(messages.iter().all(|m| m["subtype"] != "channel_join"));
    for m in messages {
        for key in [
            "ts",
            "html",
            "text",
            "user",
            "edited",
            "thread",
            "reactions",
            "files",
        ] {
            assert!(m.get(key).is_some(), "message without {key}: {m}");
        }
    }
    for (path, bytes) in p.snapshot("site") {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("xoxe"),
            "token in site/{path}"
        );
    }
    let index = p.page("site/index.html");
    let links = index.attrs(".chat-list a", "href");
    assert!(links.contains(&"enrique/".to_owned()), "{links:?}");
    let page = p.page("site/enrique/index.html");
    assert_eq!(page.count("ol.messages > li[data-ts]"), messages.len());
    assert_eq!(page.text("h1"), "enrique");
}

#[test]
fn jsonp_wraps_the_same_json_in_the_configured_callback() {
    let p = Project::init();
    p.write("scrollback.toml", "feed_callback = \"window.chatFeed\"\n");
    p.import(&official_export()).build();
    let json = p.read("site/enrique/feed.json");
    let jsonp = p.read("site/enrique/feed.jsonp");
    assert_eq!(jsonp, format!("window.chatFeed({});\n", json.trim_end()));
}

#[test]
fn private_comment_tagged_and_deleted_messages_never_reach_the_site() {
    let (zip, manifest) = synthetic_export(1500, 4, 7, true);
    let p = Project::init();
    p.import(&zip).build();
    assert!(manifest["counts"]["comment_tagged"].as_u64().unwrap() > 0);
    let site = p.snapshot("site");
    let everything: String = site
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(
        !everything.contains("note to editors"),
        "a comment-tagged message was published"
    );
    // The private channel and the DM are drafts: no pages, no feeds, not on the index.
    assert!(
        !site
            .keys()
            .any(|k| k.starts_with("editors-only") || k.contains("d00000001")),
        "{:?}",
        site.keys()
    );
    let index = p.page("site/index.html");
    assert!(
        !index
            .attrs("a", "href")
            .iter()
            .any(|h| h.contains("editors") || h.contains("d0000"))
    );
    // Tombstoned parents keep their replies but show no text.
    for (path, bytes) in &site {
        if path.ends_with("feed.json") {
            let feed: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            for m in feed["messages"].as_array().unwrap() {
                if m["tombstone"] == true {
                    assert_eq!(m["text"], "");
                    assert!(!m["thread"].as_array().unwrap().is_empty());
                }
            }
        }
    }
}

#[test]
fn comment_tag_deleted_and_hidden_are_absent_from_feeds() {
    let p = Project::init();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("x.zip");
    write_zip(
        &zip,
        &mini_export(
            "live",
            json!([
                {"type": "message", "user": "U1", "text": "published", "ts": "1.000001"},
                {"type": "message", "user": "U1", "text": "&lt;#&gt; editors only", "ts": "2.000001"},
                {"type": "message", "user": "U1", "text": "to be deleted", "ts": "3.000001"},
                {"type": "message", "user": "U1", "text": "to be hidden", "ts": "4.000001"},
                {"type": "message", "user": "U1", "text": "reply to a comment", "ts": "5.000001", "thread_ts": "2.000001"}
            ]),
        ),
    );
    p.import(&zip);
    let edit = |ts: &str, from: &str, to: &str| {
        let rel = format!("content/channels/live/messages/{ts}.json");
        let text = p.read(&rel);
        p.write(&rel, &text.replacen(from, to, 1));
    };
    edit(
        "3.000001",
        "\"ts\": \"3.000001\",",
        "\"ts\": \"3.000001\",\n  \"deleted\": true,",
    );
    edit(
        "4.000001",
        "\"ts\": \"4.000001\",",
        "\"ts\": \"4.000001\",\n  \"hidden\": true,",
    );
    p.build();
    let texts: Vec<String> = feed_messages(&p.feed("live"))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(texts, ["published"]);
    let page = p.read("site/live/index.html");
    assert_eq!(Page::parse(&page).count("ol.messages > li[data-ts]"), 1);
    for absent in [
        "editors only",
        "to be deleted",
        "to be hidden",
        "reply to a comment",
    ] {
        assert!(!page.contains(absent), "{absent}");
    }
}

#[test]
fn builds_are_deterministic_and_rewrite_nothing_unchanged() {
    let (zip, _) = synthetic_export(1500, 4, 7, false);
    let p = Project::init();
    p.import(&zip).build();
    let first = p.snapshot("site");
    let out = p.ok(&["build"]);
    assert!(out.contains(": 0 rendered, 0 files written"), "{out}");
    assert_eq!(p.snapshot("site"), first);
    // A clean build elsewhere gives the same bytes.
    std::fs::remove_dir_all(p.path("site")).unwrap();
    p.build();
    assert_eq!(p.snapshot("site"), first);

    // No page gives two elements one id: a broadcast reply shows in its thread and at the top
    // level, and only the latter has its id (a link to it leads to one place).
    assert!(
        first
            .iter()
            .any(|(path, bytes)| path.contains("/feed-page-")
                && String::from_utf8_lossy(bytes).contains("\"thread_broadcast\"")),
        "no broadcast reply in the export to check"
    );
    for (path, bytes) in first.iter().filter(|(path, _)| path.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let mut seen = std::collections::HashSet::new();
        for id in element_ids(&html) {
            assert!(seen.insert(id), "{path}: two elements with id {id:?}");
        }
    }
}

/// The `id` attributes of an HTML page, quoted or not (the pages are minified).
fn element_ids(html: &str) -> Vec<&str> {
    html.match_indices(" id=")
        .map(|(at, _)| {
            let value = &html[at + 4..];
            match value.strip_prefix('"') {
                Some(quoted) => &quoted[..quoted.find('"').unwrap_or(quoted.len())],
                None => &value[..value.find([' ', '>']).unwrap_or(value.len())],
            }
        })
        .collect()
}

#[test]
fn long_chats_are_paginated_and_removed_chats_disappear() {
    let (zip, _) = synthetic_export(1500, 4, 7, false);
    let p = Project::init();
    p.write("scrollback.toml", "page_size = 50\n");
    p.import(&zip).build();
    let general = p.page("site/general/index.html");
    assert!(
        general
            .attrs(".pagination a", "href")
            .contains(&"page-2.html".to_owned())
    );
    assert_eq!(general.count("ol.messages > li[data-ts]"), 50);
    assert!(p.exists("site/general/page-2.html"));
    let feed = p.feed("general");
    let pages = feed["channel"]["pages"].as_u64().unwrap();
    assert!(pages > 1);
    assert!(p.exists(&format!("site/general/page-{pages}.html")));
    assert!(!p.exists(&format!("site/general/page-{}.html", pages + 1)));
    // Unpublishing a chat removes all its outputs.
    let settings = p.read("content/channels/general/channel.toml");
    p.write(
        "content/channels/general/channel.toml",
        &settings.replace("state = \"archived\"", "state = \"draft\""),
    );
    p.build();
    assert!(!p.exists("site/general"));
    assert!(
        !p.page("site/index.html")
            .attrs("a", "href")
            .contains(&"general/".to_owned())
    );
}

#[test]
fn site_templates_override_the_theme() {
    let p = Project::init();
    p.import(&official_export());
    p.write(
        "templates/message.html",
        "<p class=\"custom\">{{ message.user.name }}: {{ message.text }}</p>",
    );
    p.build();
    let page = p.page("site/enrique/index.html");
    assert_eq!(
        page.count("p.custom"),
        page.count("ol.messages > li[data-ts]")
    );
    assert!(page.count("p.custom") > 0);
}

#[test]
fn template_and_config_errors_name_the_file_and_key() {
    let p = Project::init();
    p.import(&official_export());
    p.write("templates/chat.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ messages | nosuchfilter }}\n{% endblock content %}");
    let err = p.fails(&["build"]);
    assert!(err.contains("in chat.html line 3"), "{err}");
    assert!(err.contains("nosuchfilter"), "{err}");
    std::fs::remove_file(p.path("templates/chat.html")).unwrap();

    // Found while rendering an included template: tera gives no position, the error still
    // names the line, once (issue 12).
    let message = p.read("themes/default/templates/message.html");
    let broken = message.replacen("</header>", "</header>\n{{ message.author_nmae }}", 1);
    let line = 1 + broken
        .lines()
        .position(|l| l.contains("author_nmae"))
        .unwrap();
    p.write("templates/message.html", &broken);
    let err = p.fails(&["build"]);
    assert!(
        err.contains(&format!("in message.html line {line}")),
        "{err}"
    );
    assert_eq!(err.matches("author_nmae").count(), 1, "{err}");
    assert!(
        err.contains(&p.path("templates/message.html").display().to_string()),
        "{err}"
    );
    std::fs::remove_file(p.path("templates/message.html")).unwrap();

    p.write("scrollback.toml", "title = \"x\"\npage_size = \"ten\"\n");
    let err = p.fails(&["build"]);
    assert!(err.contains("line 2") && err.contains("page_size"), "{err}");
    assert!(err.contains("expected a whole number"), "{err}");
    assert!(!err.contains("usize"), "{err}");

    p.write("scrollback.toml", "title = \"x\"\ncoment_tag = \"<#>\"\n");
    let err = p.fails(&["build"]);
    assert!(
        err.contains("coment_tag") && err.contains("scrollback.toml"),
        "{err}"
    );
}

#[test]
fn markdown_descriptions_are_safe() {
    let p = Project::init();
    p.import(&official_export());
    let settings = p.read("content/channels/enrique/channel.toml");
    p.write(
        "content/channels/enrique/channel.toml",
        &settings.replace(
            "description = \"\"",
            "description = \"**Live** from <script>alert(1)</script> [x](javascript:alert(1))\"",
        ),
    );
    p.build();
    let page = p.page("site/enrique/index.html");
    assert_eq!(page.text(".dek strong"), "Live");
    assert!(
        page.text(".dek").contains("<script>alert(1)</script>"),
        "shown as text"
    );
    assert_eq!(
        page.count("script:not([type='application/ld+json'])"),
        0,
        "raw HTML from a description reached the page"
    );
    assert!(
        page.attrs("a", "href")
            .iter()
            .all(|h| !h.contains("javascript:"))
    );
}

#[test]
fn a_new_theme_starts_from_the_default_and_its_settings_are_overridable() {
    let p = Project::init();
    p.import(&official_export());
    let out = p.ok(&["theme", "new", "magazine"]);
    assert!(out.contains("themes/magazine"), "{out}");
    assert!(
        p.read("themes/magazine/theme.toml")
            .contains("name = \"magazine\"")
    );
    // The theme guide travels with the theme, and says what the code does (`site.extra`).
    let guide = p.read("themes/magazine/THEMES.md");
    assert!(guide.contains("What each template receives"), "{guide}");
    assert!(guide.contains("site.extra"), "{guide}");
    assert!(out.contains("themes/magazine/THEMES.md"), "{out}");
    for written_by_init in [
        "scrollback.toml",
        "themes/default/theme.toml",
        "themes/magazine/THEMES.md",
    ] {
        assert!(
            !p.read(written_by_init).contains("config.extra"),
            "{written_by_init}"
        );
    }
    let err = p.fails(&["theme", "new", "magazine"]);
    assert!(err.contains("already exists"), "{err}");
    assert!(
        p.fails(&["theme", "new", "../x"])
            .contains("not a valid theme name")
    );

    let chat = p.read("themes/magazine/templates/chat.html");
    p.write(
        "themes/magazine/templates/chat.html",
        &chat.replace("{{ t(key=\"chat_archive\") }}", "From the magazine"),
    );
    p.write("scrollback.toml", "theme = \"magazine\"\n");
    p.build();
    let page = p.page("site/enrique/index.html");
    assert_eq!(page.text(".kicker"), "From the magazine");
    // The theme's words (its `footer` string), then the site's [extra] override.
    assert_eq!(page.text(".colophon p"), "Published with scrollback.");
    p.write(
        "scrollback.toml",
        "theme = \"magazine\"\n[extra]\nfooter = \"The Daily Example\"\n",
    );
    p.build();
    assert_eq!(
        p.page("site/enrique/index.html").text(".colophon p"),
        "The Daily Example"
    );

    p.write("scrollback.toml", "theme = \"nope\"\n");
    let err = p.fails(&["build"]);
    assert!(err.contains("theme \"nope\" not found"), "{err}");
}

/// The renderer end to end through `build`: each rule of Slack's format, on a real page.
#[test]
fn messages_render_faithfully_and_safely_on_the_page() {
    let p = Project::init();
    p.write("scrollback.toml", "timezone = \"America/Los_Angeles\"\n");
    let dir = tempfile::tempdir().unwrap();
    let channels = json!([
        {"id": "C1", "name": "live", "created": 1},
        {"id": "C2", "name": "other", "created": 1}
    ]);
    let users = json!([{"id": "U1", "name": "ana", "profile": {"display_name": "Ana"}}]);
    let messages = json!([
        {"type": "message", "user": "U1", "ts": "1517365800.000100",
         "text": "*bold* _italic_ ~struck~ `x < y` snake_case_name <https://example.org/a?b=1&amp;c=2|the link> <javascript:alert(1)|bad> &lt;script&gt;alert(1)&lt;/script&gt; :tada: <@U1> <#C2|other> <!here> <!date^1517365800^{date_short} at {time}|a date>"},
        {"type": "message", "user": "U1", "ts": "1517365801.000100", "text": "&gt; quoted\n&gt; twice\nthen ```pre\n  *kept*```"},
        {"type": "message", "user": "U1", "ts": "1517365802.000100", "text": "fallback text",
         "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_list", "style": "ordered", "indent": 0,
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "first", "style": {"bold": true}}]},
                         {"type": "rich_text_section", "elements": [{"type": "emoji", "name": "+1"}]}]}]}]},
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "username": "newsbot", "ts": "1517365803.000100", "text": "",
         "attachments": [{"color": "36a64f", "title": "Results", "title_link": "https://example.org/r", "text": "*52%* reporting",
                          "fields": [{"title": "Turnout", "value": "61%", "short": true}]}]}
    ]);
    let entries = vec![
        (b"channels.json".to_vec(), channels.to_string().into_bytes()),
        (b"users.json".to_vec(), users.to_string().into_bytes()),
        (
            b"live/2018-01-31.json".to_vec(),
            messages.to_string().into_bytes(),
        ),
        (
            b"other/2018-01-31.json".to_vec(),
            json!([{"type": "message", "user": "U1", "ts": "1517365900.000100", "text": "hi"}])
                .to_string()
                .into_bytes(),
        ),
    ];
    let zip = dir.path().join("x.zip");
    write_zip(&zip, &entries);
    p.import(&zip).build();

    let page = p.page("site/live/index.html");
    let first = "li[data-ts='1517365800.000100'] .text";
    assert_eq!(page.text(&format!("{first} b, {first} strong")), "bold");
    assert_eq!(page.text(&format!("{first} i, {first} em")), "italic");
    assert_eq!(page.text(&format!("{first} s, {first} del")), "struck");
    assert_eq!(page.text(&format!("{first} code")), "x < y");
    let text = page.text(first);
    for shown in [
        "snake_case_name",
        "<script>alert(1)</script>",
        "🎉",
        "@Ana",
        "@here",
        "Jan 30, 2018 at 6:30 PM",
    ] {
        assert!(text.contains(shown), "{shown:?} not in {text:?}");
    }
    assert_eq!(
        page.count("script:not([type='application/ld+json'])"),
        0,
        "no script element from a message"
    );
    let links = page.attrs(&format!("{first} a"), "href");
    assert!(
        links.contains(&"https://example.org/a?b=1&c=2".to_owned()),
        "{links:?}"
    );
    assert!(
        links.contains(&"../other/".to_owned()),
        "channel mentions link to the chat: {links:?}"
    );
    assert!(links.iter().all(|h| !h.contains("javascript")), "{links:?}");
    assert!(text.contains("bad"), "an unsafe link keeps its text");
    for rel in page.attrs(&format!("{first} a[href^='http']"), "rel") {
        assert_eq!(rel, "noopener nofollow ugc");
    }

    let second = "li[data-ts='1517365801.000100'] .text";
    assert_eq!(
        page.count(&format!("{second} blockquote")),
        1,
        "consecutive quote lines merge"
    );
    assert!(
        page.text(&format!("{second} pre")).contains("  *kept*"),
        "pre is literal"
    );

    let third = "li[data-ts='1517365802.000100'] .text";
    assert_eq!(
        page.count(&format!("{third} ol > li")),
        2,
        "blocks win over the fallback text"
    );
    assert!(!page.text(third).contains("fallback text"));
    assert!(page.text(third).contains("👍"));

    let bot = "li[data-ts='1517365803.000100']";
    assert_eq!(page.text(&format!("{bot} .author")), "newsbot");
    assert!(page.text(&format!("{bot} .text")).contains("Turnout"));
    assert_eq!(
        page.attrs(&format!("{bot} .text a"), "href"),
        ["https://example.org/r"]
    );

    // Mentions are resolved at build time: a rename shows everywhere after a rebuild.
    p.write(
        "content/users/U1.json",
        &json!({"id": "U1", "name": "ana", "profile": {"display_name": "Ana Renamed"}}).to_string(),
    );
    p.build();
    let page = p.page("site/live/index.html");
    assert!(page.text(first).contains("@Ana Renamed"));
    assert_eq!(
        page.text("li[data-ts='1517365800.000100'] .author"),
        "Ana Renamed"
    );
    // The feed carries the plain text too.
    let feed = p.feed("live");
    let plain = feed["messages"][0]["text"].as_str().unwrap();
    assert!(
        plain.contains("@Ana Renamed") && plain.contains("the link"),
        "{plain}"
    );
}

/// Style sheets and scripts are published under fingerprinted names the pages link to (issue
/// 12, item 9): a site's own style sheet gives every page a new name, and the superseded copy
/// leaves `site/`.
#[test]
fn pages_link_fingerprinted_style_sheets_that_follow_their_content() {
    let p = Project::init();
    p.import(&official_export()).build();
    let sheets = |page: &str| p.page(page).attrs("link[rel=stylesheet]", "href");
    let first = p.fingerprinted("assets/style.css");
    assert_ne!(first, "assets/style.css");
    assert_eq!(
        p.read(&format!("site/{first}")),
        p.read("site/assets/style.css"),
        "the fingerprinted copy and the plain one (kept for overrides and embeds) agree"
    );
    assert_eq!(sheets("site/index.html"), std::slice::from_ref(&first));
    assert_eq!(sheets("site/enrique/index.html"), [format!("../{first}")]);

    let css = "body { color: #123; }\n";
    p.write("static/assets/style.css", css);
    p.build();
    let second = p.fingerprinted("assets/style.css");
    assert_ne!(second, first);
    assert_eq!(p.read(&format!("site/{second}")), css);
    assert_eq!(sheets("site/index.html"), std::slice::from_ref(&second));
    assert_eq!(sheets("site/enrique/index.html"), [format!("../{second}")]);
    assert!(
        !p.exists(&format!("site/{first}")),
        "the superseded copy is removed"
    );

    // Back to the theme's: its name again, exactly as a clean build makes the site.
    std::fs::remove_file(p.path("static/assets/style.css")).unwrap();
    p.build();
    assert_eq!(sheets("site/index.html"), [first]);
    assert!(!p.exists(&format!("site/{second}")));
    assert_eq!(p.snapshot("site"), p.clean_build());
}

/// An archive is self-contained: no page of the real 2016 export links or shows anything from
/// Slack's file hosts, which ask every reader to sign in (issue 13): its files show as cards
/// without a dead link.
#[test]
fn no_page_links_slack_files_that_need_a_sign_in() {
    let p = Project::init();
    p.import(&official_export()).build();
    let mut cards = 0;
    for chat in ["enrique", "traveling-sailor"] {
        let page = p.page(&format!("site/{chat}/index.html"));
        for url in page
            .attrs("a", "href")
            .into_iter()
            .chain(page.attrs("img", "src"))
        {
            let host = url
                .split("://")
                .nth(1)
                .unwrap_or("")
                .split('/')
                .next()
                .unwrap_or("");
            assert!(
                !(host == "slack.com" || host.ends_with(".slack.com")) || !url.contains("/files"),
                "{chat} links {url}"
            );
        }
        cards += page.count(".file-card");
    }
    assert!(cards > 0, "the export's files are shown");
}

/// Every published message of a chat's feed, replies included: (user id, name shown).
fn authors(p: &Project, slug: &str) -> Vec<(String, String)> {
    let feed = p.feed(slug);
    let mut out = Vec::new();
    for m in feed["messages"].as_array().unwrap() {
        for m in std::iter::once(m).chain(m["thread"].as_array().unwrap()) {
            let user = &m["user"];
            out.push((
                user["id"].as_str().unwrap().to_owned(),
                user["name"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

#[test]
fn authors_of_the_official_export_are_named_from_what_the_tree_and_messages_hold() {
    let p = Project::init();
    p.import(&official_export()).build();
    // The 2016 file_comment has no `user`: it is the commenter's (no longer "Unknown").
    let sailor = authors(&p, "traveling-sailor");
    assert_eq!(sailor.len(), 51);
    assert!(
        sailor.iter().all(|(_, name)| name != "Unknown"),
        "{sailor:?}"
    );
    let comment = p.feed("traveling-sailor")["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subtype"] == "file_comment")
        .cloned()
        .expect("the file comment is published");
    assert_eq!(comment["user"]["id"], "U0BMS113R");
    assert_eq!(comment["user"]["name"], "doubledeez");
    // The export's bot messages carry only a bot id (no username, no bot_profile); the bots
    // are named by the `bot_add` notices that installed them, which the import keeps as
    // replaceable user files: all 66 of enrique's bot messages show "github", none an id.
    let enrique = authors(&p, "enrique");
    let by_bot = |list: &[(String, String)], name: &str| {
        list.iter()
            .filter(|(id, n)| id.starts_with('B') && n == name)
            .count()
    };
    assert_eq!(enrique.len(), 96);
    assert_eq!(by_bot(&enrique, "github"), 66);
    assert!(enrique.iter().all(|(id, n)| n != id), "{enrique:?}");

    // A bot record from Slack (what `serve` writes from bots.info) replaces it: the next build
    // shows its name and avatar.
    p.write(
        "content/users/B0JL6RASU.json",
        r#"{"id": "B0JL6RASU", "name": "GitHub", "is_bot": true,
            "profile": {"real_name": "GitHub", "image_72": "https://avatars.example/github.png"}}"#,
    );
    p.build();
    let enrique = authors(&p, "enrique");
    assert_eq!(
        (by_bot(&enrique, "GitHub"), by_bot(&enrique, "github")),
        (49, 17)
    );
    assert!(
        p.read("site/enrique/index.html")
            .contains("https://avatars.example/github.png")
    );
    assert_eq!(authors(&p, "traveling-sailor"), sailor);
}

/// A message shown away from its place links its timestamp to the page that holds it: a pinned
/// message above another page's messages, and a broadcast reply's copy in its parent's thread
/// when the reply's top-level copy is on a later page (`#m…` alone finds nothing there). When its
/// place moves to another page, pages that link it follow, though nothing they show changed.
#[test]
fn a_message_shown_away_from_its_place_links_to_the_page_that_holds_it() {
    let p = Project::init();
    p.write("scrollback.toml", "title = \"Desk\"\npage_size = 2\n");
    p.add_live_chat("C0AWAY", "desk", "Desk");
    let write = |ts: &str, extra: serde_json::Value, record_extra: serde_json::Value| {
        let mut slack =
            json!({"type": "message", "user": "U1", "ts": ts, "text": format!("message {ts}")});
        slack
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let mut record = json!({"ts": ts, "slack": slack});
        record
            .as_object_mut()
            .unwrap()
            .extend(record_extra.as_object().unwrap().clone());
        p.write(
            &format!("content/channels/desk/messages/{ts}.json"),
            &record.to_string(),
        );
    };
    let (pinned, parent, middle, broadcast) = (
        "1520000001.000100",
        "1520000002.000100",
        "1520000003.000100",
        "1520000005.000100",
    );
    write(pinned, json!({}), json!({"pinned": true}));
    write(parent, json!({}), json!({}));
    write(middle, json!({}), json!({}));
    write("1520000004.000100", json!({}), json!({}));
    write(
        broadcast,
        json!({"subtype": "thread_broadcast", "thread_ts": parent}),
        json!({}),
    );
    p.build();
    let anchor = |ts: &str| format!("m{}", ts.replace('.', "-"));
    let page = |n: u32| p.read(&format!("site/desk/page-{n}.html"));
    let links = |html: &str, target: &str| html.matches(target).count();

    // Pages of two: [pinned, parent], [middle, …], [broadcast].
    assert!(page(3).contains(&format!("id=\"{}\"", anchor(broadcast))));
    let on_first = page(1);
    assert_eq!(
        links(&on_first, &format!("page-3.html#{}", anchor(broadcast))),
        1,
        "{on_first}"
    );
    // The pinned message is on page 1: its copy above page 1 links in place, above the others
    // to page 1.
    assert_eq!(
        links(&on_first, &format!("page-1.html#{}", anchor(pinned))),
        0
    );
    for n in [2, 3] {
        assert_eq!(
            links(&page(n), &format!("page-1.html#{}", anchor(pinned))),
            1,
            "page {n}"
        );
    }
    // The live chat's address shows every message here, so nothing links away.
    assert!(!p.read("site/desk/index.html").contains(".html#m"));

    // The middle message becomes a comment for editors: it gives up its place, and the broadcast
    // moves to page 2. Page 1 shows the same messages but must link page 2 now.
    write(middle, json!({"text": "&lt;#&gt; for editors"}), json!({}));
    p.build();
    assert!(!p.exists("site/desk/page-3.html"));
    let on_first = page(1);
    assert_eq!(
        links(&on_first, &format!("page-2.html#{}", anchor(broadcast))),
        1,
        "{on_first}"
    );
    assert_eq!(links(&on_first, "page-3.html#"), 0);
}

/// Every link a page makes inside the site leads somewhere: the page or file exists, and the
/// element a `#fragment` names is on that page. Over a synthetic export with threads, broadcast
/// replies and tombstones in short pages, with messages pinned (some replies, some on early
/// pages), while one chat is live and once it is archived (its address changes what it shows).
#[test]
fn no_page_links_a_page_or_an_anchor_that_is_not_there() {
    let (zip, _) = synthetic_export(1500, 2, 5, false);
    let p = Project::init();
    p.write("scrollback.toml", "title = \"Links\"\npage_size = 15\n");
    p.import(&zip);
    let chats = p.chats();
    let settings = format!("content/channels/{}/channel.toml", chats[0]);
    p.write(
        &settings,
        &p.read(&settings)
            .replace("state = \"archived\"", "state = \"live\""),
    );
    // An editor pins messages all through each chat (every 150th file: top-level messages and
    // replies alike).
    for chat in &chats {
        let dir = format!("content/channels/{chat}/messages");
        let mut files: Vec<String> = std::fs::read_dir(p.path(&dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        for name in files.iter().step_by(150) {
            let rel = format!("{dir}/{name}");
            let mut record: serde_json::Value = serde_json::from_str(&p.read(&rel)).unwrap();
            record["pinned"] = true.into();
            p.write(&rel, &record.to_string());
        }
    }
    for state in ["live", "archived"] {
        p.write(
            &settings,
            &p.read(&settings)
                .replace("state = \"live\"", &format!("state = \"{state}\"")),
        );
        p.build();
        let site = p.snapshot("site");
        let broken = broken_links(&site);
        assert!(
            broken.is_empty(),
            "{state}: {} broken links, among them:\n{}",
            broken.len(),
            broken[..broken.len().min(10)].join("\n")
        );
        // The check saw what it is for: pins shown away from their page, and threads.
        let linked_away = site
            .iter()
            .filter(|(path, _)| path.ends_with(".html"))
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(".html#m"));
        assert!(
            linked_away,
            "{state}: no page links a message on another page"
        );
    }
}

/// Links inside the site (relative `href`s of pages) whose page or file is missing, or whose
/// `#fragment` names no element of the page: "from -> href (why)".
fn broken_links(site: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<String> {
    use std::collections::{BTreeMap, HashSet};
    let pages: BTreeMap<&str, Page> = site
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path.as_str(), Page::parse(&String::from_utf8_lossy(bytes))))
        .collect();
    let ids: BTreeMap<&str, HashSet<String>> = pages
        .iter()
        .map(|(path, page)| (*path, page.attrs("[id]", "id").into_iter().collect()))
        .collect();
    let mut broken = Vec::new();
    for (from, page) in &pages {
        for href in page.attrs("a[href], link[href]", "href") {
            if href.contains(':') || href.starts_with("//") {
                continue; // absolute: http(s), mailto
            }
            let (path, fragment) = href.split_once('#').unwrap_or((&href, ""));
            let path = path.split('?').next().unwrap_or_default();
            let target = if path.is_empty() {
                from.to_string()
            } else {
                let mut parts: Vec<&str> = from.split('/').collect();
                parts.pop();
                for part in path.split('/') {
                    match part {
                        "" | "." => {}
                        ".." => {
                            parts.pop();
                        }
                        part => parts.push(part),
                    }
                }
                let joined = parts.join("/");
                if path.ends_with('/') || !site.contains_key(&joined) && !joined.contains('.') {
                    format!(
                        "{joined}{}index.html",
                        if joined.is_empty() { "" } else { "/" }
                    )
                } else {
                    joined
                }
            };
            let why = match ids.get(target.as_str()) {
                _ if !site.contains_key(&target) => Some("no such file"),
                Some(ids) if !fragment.is_empty() && !ids.contains(fragment) => {
                    Some("no such element")
                }
                _ => None,
            };
            if let Some(why) = why {
                broken.push(format!("{from} -> {href} ({why})"));
            }
        }
    }
    broken
}

/// New projects cut pages of 100 top-level places and carry 30 messages in `live.json` (issue 15:
/// a live chat rewrites its newest page and its live feed on every message), and a project whose
/// `scrollback.toml` has neither key keeps 200 (the size its page addresses were cut by) and 50.
/// Pages are checked against the paged feed, cut by the same places in 50s: HTML page 2 starts
/// where feed page 3 (pages of 100) or 5 (pages of 200) does.
#[test]
fn new_projects_get_smaller_pages_and_live_feed_and_configs_without_the_keys_keep_theirs() {
    let (zip, _) = synthetic_export(1500, 2, 5, false);
    let p = Project::init();
    p.import(&zip);
    let slug = &p.chats()[0];
    let settings = format!("content/channels/{slug}/channel.toml");
    p.write(
        &settings,
        &p.read(&settings)
            .replace("state = \"archived\"", "state = \"live\""),
    );
    let json = |rel: &str| -> serde_json::Value { serde_json::from_str(&p.read(rel)).unwrap() };
    for (starter, per_page, live_messages) in [(true, 100, 30), (false, 200, 50)] {
        if !starter {
            p.edit_config(|c| {
                c.replace("\npage_size = 100\n", "\n")
                    .replace("\nmessages = 30\n", "\n")
            });
            let config = p.read("scrollback.toml");
            assert!(!config.contains("\npage_size =") && !config.contains("\nmessages ="));
        }
        p.build();
        let feed_pages = json(&format!("site/{slug}/feed-index.json"))["page_count"]
            .as_u64()
            .unwrap();
        let html_pages = (1..)
            .take_while(|n| p.exists(&format!("site/{slug}/page-{n}.html")))
            .count() as u64;
        let per_feed_page = per_page / 50;
        assert!(feed_pages > 2 * per_feed_page, "{feed_pages} feed pages");
        assert_eq!(html_pages, feed_pages.div_ceil(per_feed_page));
        let feed_page = json(&format!("site/{slug}/feed-page-{}.json", per_feed_page + 1));
        let page_2 = p.page(&format!("site/{slug}/page-2.html"));
        assert_eq!(
            page_2.attrs("ol.messages > li[data-ts]", "data-ts")[0],
            feed_page["messages"][0]["ts"].as_str().unwrap(),
            "pages of {per_page}"
        );
        let live = json(&format!("site/{slug}/live.json"));
        assert_eq!(
            live["messages"].as_array().unwrap().len(),
            live_messages,
            "live.json"
        );
    }
}
