//! The live page in a real browser (headless Chromium): served by `scrollback serve`, fed by
//! signed events, it follows the chat without a reload.

use crate::support::browser::Browser;
use crate::support::http::ForeignPage;
use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack::{delete, edit, message, reaction, reply};
use crate::support::wait::wait_until;
use serde_json::json;

const CH: &str = "C1LIVE";

fn ts(n: u64) -> String {
    format!("{}.000100", 1_700_000_100 + n)
}

/// A JavaScript expression for the top-level message `ts` of the page's list.
fn item(ts: &str) -> String {
    format!("document.querySelector('ol.messages > li[data-ts=\"{ts}\"]')")
}

/// An embed on a newsroom's own page, on another origin (its own server, on `localhost`), with
/// the chat's script and feed from `serve` (SERVE_ORIGIN), so the script must use JSONP. The
/// page is not the site's: no policy of ours applies to it.
const EMBED: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Embed</title></head>
<body>
<article class="chat" data-slug="live"><ol class="messages"></ol><div class="live-follow" data-interval="500" data-max-interval="2000" data-first-page="true" data-avatars="false" data-callback="scrollbackLive"></div></article>
<script>
  var base = "SERVE_ORIGIN/live/";
  var follow = document.querySelector(".live-follow");
  follow.dataset.json = base + "live.json";
  follow.dataset.jsonp = base + "live.jsonp";
  var s = document.createElement("script");
  s.src = "SERVE_ORIGIN/assets/live.js";
  document.body.appendChild(s);
</script>
</body></html>
"#;

#[test]
fn the_live_page_follows_the_chat_without_a_reload() {
    let mut browser = Browser::launch();
    let p = Project::init();
    p.poll_fast();
    // The late message below (an old ts, received after 40 newer ones) is recent activity when
    // it arrives, so the 30 messages of live.json carry it (issue 15).
    p.add_live_chat(CH, "live", "Live page");
    let s = Server::start(&p);
    let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor \
                incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
                exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.";
    for n in 0..40 {
        let id = format!("EvInit{n}");
        assert_eq!(
            s.post(&message(
                &id,
                CH,
                &ts(n * 10),
                "U1",
                &format!("m{n} {long}")
            )),
            200
        );
    }
    wait_until("40 messages in the feed", || {
        std::fs::read_to_string(p.path("site/live/feed.json"))
            .is_ok_and(|f| f.matches("\"anchor\"").count() == 40)
    });

    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    // The feed can be written a moment before the page of the same build: a page loaded in
    // between shows fewer messages, and its script fetches the rest on its first poll.
    browser.wait_for(
        &tab,
        "document.querySelectorAll('ol.messages > li[data-ts]').length === 40",
        "the 40 messages on the page",
    );
    browser.eval(&tab, "window.__marker = 'same page'");

    // Following at the bottom: a new message appears.
    browser.eval(
        &tab,
        "window.scrollTo(0, document.documentElement.scrollHeight)",
    );
    s.post(&message("Ev1", CH, &ts(1000), "U1", "breaking news"));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.text').textContent === 'breaking news'",
            item(&ts(1000))
        ),
        "the new message",
    );

    // An edit replaces the text and marks it edited.
    s.post(&edit(
        "Ev2",
        CH,
        &ts(390),
        "m39 corrected",
        "1700001000.000000",
        None,
    ));
    browser.wait_for(&tab, &format!(
            "{0}.querySelector('.text').textContent === 'm39 corrected' && {0}.querySelector('.edited')",
            item(&ts(390))
        ), "the edit");

    // A deletion removes the message.
    s.post(&delete("Ev3", CH, &ts(380), "1700001001.000000"));
    browser.wait_for(&tab, &format!("!{}", item(&ts(380))), "the deletion");

    // A reply shows in the parent's thread.
    s.post(&reply("Ev4", CH, &ts(375), &ts(370), "a reply"));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.replies > li[data-ts=\"{}\"] .text').textContent === 'a reply'",
            item(&ts(370)),
            ts(375)
        ),
        "the reply",
    );
    // Its reply count links the thread's own page, as a page built now would, and serve has
    // that page.
    let thread_page = format!("thread-{}.html", ts(370).replace('.', "-"));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.thread-count a.thread-link').getAttribute('href') === '{thread_page}'",
            item(&ts(370))
        ),
        "the thread's link",
    );
    wait_until("the thread's page", || {
        p.exists(&format!("site/live/{thread_page}"))
    });

    // A reaction shows with its count.
    s.post(&reaction(
        "Ev5",
        CH,
        &ts(360),
        "tada",
        "U2",
        true,
        "1700001002.000000",
    ));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.reaction .count').textContent === '1'",
            item(&ts(360))
        ),
        "the reaction",
    );

    // An edit that adds the comment tag unpublishes the message.
    s.post(&edit(
        "Ev6",
        CH,
        &ts(350),
        "&lt;#&gt; note to the desk",
        "1700001003.000000",
        None,
    ));
    browser.wait_for(
        &tab,
        &format!("!{}", item(&ts(350))),
        "the unpublished message to go",
    );
    assert_eq!(
        browser.eval(
            &tab,
            "document.body.textContent.includes('note to the desk')"
        ),
        false
    );

    // A reader who scrolled away keeps their place and is told about new updates.
    browser.eval(&tab, "window.scrollTo(0, 1500)");
    let anchor = browser.eval(&tab,
        "(() => { const li = [...document.querySelectorAll('ol.messages > li[data-ts]')]
            .find(li => li.getBoundingClientRect().bottom > 0);
          return { ts: li.dataset.ts, top: li.getBoundingClientRect().top, y: window.scrollY }; })()",
    );
    let anchor_ts = anchor["ts"].as_str().unwrap().to_owned();
    // One late message above the reader (it pushes the page down), one new at the end.
    s.post(&message(
        "Ev7",
        CH,
        &ts(15),
        "U2",
        "a late message near the top",
    ));
    s.post(&message("Ev8", CH, &ts(1001), "U2", "more news"));
    browser.wait_for(
        &tab,
        "document.querySelector('.live-updates:not([hidden])') && \
         document.querySelector('.live-updates').textContent === '2 new updates'",
        "the new-updates button",
    );
    assert!(browser.eval(&tab, &format!("!!{}", item(&ts(15)))) == true);
    let after = browser.eval(
        &tab,
        &format!(
            "(() => {{ const li = document.querySelector('li[data-ts=\"{anchor_ts}\"]');
             return {{ top: li.getBoundingClientRect().top, y: window.scrollY }}; }})()"
        ),
    );
    let moved = (after["top"].as_f64().unwrap() - anchor["top"].as_f64().unwrap()).abs();
    assert!(
        moved < 2.0,
        "the reader's message moved by {moved} px: {anchor} → {after}"
    );
    assert!(
        after["y"].as_f64().unwrap() > anchor["y"].as_f64().unwrap(),
        "the page scrolled down to keep the reader's place: {anchor} → {after}"
    );
    // The button takes the reader to the first new update and goes away.
    browser.eval(&tab, "document.querySelector('.live-updates').click()");
    browser.wait_for(
        &tab,
        "document.querySelector('.live-updates').hidden",
        "the button to go",
    );

    assert_eq!(
        browser.eval(&tab, "window.__marker"),
        "same page",
        "the page was reloaded"
    );
    assert_eq!(
        browser.eval(
            &tab,
            "document.querySelectorAll('ol.messages > li[data-ts]').length"
        ),
        40 + 2 - 2 + 1
    );

    // The chat's own pages carry the site's Content-Security-Policy, and still follow the chat
    // (above): no inline script is needed.
    let page = crate::support::http::get(&s.addr, "/live/");
    assert!(
        page.header("content-security-policy")
            .is_some_and(|p| p.contains("script-src 'self'"))
    );

    // The embed on another origin follows the chat through JSONP.
    let embed = ForeignPage::start(EMBED.replace("SERVE_ORIGIN", &format!("http://{}", s.addr)));
    let other = embed.addr.replace("127.0.0.1", "localhost");
    let tab = browser.open(&format!("http://{other}/embed.html"));
    browser.wait_for(
        &tab,
        "document.querySelectorAll('ol.messages > li[data-ts]').length > 10",
        "the embed to fill from live.jsonp",
    );
    s.post(&message("Ev9", CH, &ts(1002), "U1", "seen in the embed"));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.text').textContent === 'seen in the embed'",
            item(&ts(1002))
        ),
        "a new message in the embed",
    );
    assert_eq!(
        browser.eval(&tab, "typeof window.scrollbackLive"),
        "function"
    );

    // Archived while a reader has the page open: it stops following and says so.
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    p.ok(&["archive", "live"]);
    browser.wait_for(
        &tab,
        "document.querySelector('.live-follow').textContent.includes('This chat has ended') && \
         window.scrollbackLivePage.state.stopped",
        "the page to notice the end",
    );
    s.stop();
}

/// A live chat served by `serve` with `config`, with `n` messages posted and published.
fn serve_live_chat(config: &str, n: u64, text: impl Fn(u64) -> String) -> (Project, Server) {
    let p = Project::init();
    p.write("scrollback.toml", config);
    p.add_live_chat(CH, "live", "Live page");
    let s = Server::start(&p);
    for i in 0..n {
        assert_eq!(
            s.post(&message(
                &format!("EvInit{i}"),
                CH,
                &ts(i * 10),
                "U1",
                &text(i)
            )),
            200
        );
    }
    wait_until("the messages in the feed", || {
        std::fs::read_to_string(p.path("site/live/feed.json"))
            .is_ok_and(|f| f.matches("\"anchor\"").count() == n as usize)
    });
    (p, s)
}

#[test]
fn the_french_live_page_speaks_french_in_the_browser() {
    let mut browser = Browser::launch();
    let (p, s) = serve_live_chat(
        "language = \"fr\"\ntimezone = \"Europe/Paris\"\n[live]\ninterval = 0.5\nmax_interval = 2\n",
        30,
        |i| {
            format!(
                "message {i} : Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."
            )
        },
    );
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    assert_eq!(browser.eval(&tab, "document.documentElement.lang"), "fr");
    assert_eq!(
        browser.eval(&tab, "document.querySelector('.live-badge').textContent"),
        "En direct"
    );

    // What live.js builds itself is French too: the edited mark, the reply count, the clock.
    browser.eval(
        &tab,
        "window.scrollTo(0, document.documentElement.scrollHeight)",
    );
    s.post(&edit(
        "Ev1",
        CH,
        &ts(290),
        "corrigé",
        "1700001000.000000",
        None,
    ));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.edited').textContent === '(modifié)'",
            item(&ts(290))
        ),
        "the edit marked in French",
    );
    s.post(&reply("Ev2", CH, &ts(295), &ts(280), "une réponse"));
    browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.thread-count').textContent === '1 réponse'",
            item(&ts(280))
        ),
        "the reply count in French",
    );
    s.post(&message("Ev3", CH, &ts(1000), "U1", "dernière minute"));
    let stamp = browser.wait_for(
        &tab,
        &format!(
            "{}.querySelector('.timestamp').textContent",
            item(&ts(1000))
        ),
        "the new message",
    );
    // 1700001100 is 2023-11-14 23:31:40 in Paris (winter time).
    assert_eq!(stamp, "23:31 CET");

    // A reader who scrolled away is told in French, with French plurals.
    browser.eval(&tab, "window.scrollTo(0, 0)");
    s.post(&message("Ev4", CH, &ts(1001), "U1", "encore"));
    browser.wait_for(
        &tab,
        "document.querySelector('.live-updates:not([hidden])') && \
         document.querySelector('.live-updates').textContent === '1 nouvelle mise à jour'",
        "one new update, in French",
    );
    s.post(&message("Ev5", CH, &ts(1002), "U1", "et encore"));
    browser.wait_for(
        &tab,
        "document.querySelector('.live-updates').textContent === '2 nouvelles mises à jour'",
        "two new updates, in French",
    );
    let seen = browser.eval(&tab, "document.body.innerText");
    let seen = seen.as_str().unwrap();
    for english in ["(edited)", "new update", " reply", "Embed this chat"] {
        assert!(!seen.contains(english), "{english:?} shown: {seen}");
    }

    let png = browser.screenshot(&tab, &p.path("french-live-page.png"));
    assert!(png.len() > 1000, "a screenshot of {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    s.stop();
}

#[test]
fn newest_first_live_pages_put_new_messages_on_top() {
    let mut browser = Browser::launch();
    let (_p, s) = serve_live_chat(
        "timezone = \"UTC\"\n[extra]\nnewest_first = true\n[live]\ninterval = 0.5\nmax_interval = 2\n",
        3,
        |i| format!("m{i}"),
    );
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    let tops =
        "[...document.querySelectorAll('ol.messages > li')].map(li => li.dataset.ts || 'day')";
    assert_eq!(
        browser.eval(&tab, tops),
        json!(["day", ts(20), ts(10), ts(0)])
    );
    // A new message goes on top, under its day's divider.
    s.post(&message("Ev1", CH, &ts(100), "U1", "newest"));
    browser.wait_for(&tab, &format!("!!{}", item(&ts(100))), "the new message");
    assert_eq!(
        browser.eval(&tab, tops),
        json!(["day", ts(100), ts(20), ts(10), ts(0)])
    );
    // A message of the next day gets its own divider above the others.
    s.post(&message("Ev2", CH, &ts(9000), "U1", "tomorrow"));
    browser.wait_for(
        &tab,
        &format!("!!{}", item(&ts(9000))),
        "the next day's message",
    );
    assert_eq!(
        browser.eval(&tab, tops),
        json!(["day", ts(9000), "day", ts(100), ts(20), ts(10), ts(0)])
    );
    assert_eq!(
        browser.eval(
            &tab,
            "document.querySelector('ol.messages > li.day-divider time').getAttribute('datetime')"
        ),
        "2023-11-15"
    );
    // A late message finds its place in the order.
    s.post(&message("Ev3", CH, &ts(15), "U1", "late"));
    browser.wait_for(&tab, &format!("!!{}", item(&ts(15))), "the late message");
    assert_eq!(
        browser.eval(&tab, tops),
        json!([
            "day",
            ts(9000),
            "day",
            ts(100),
            ts(20),
            ts(15),
            ts(10),
            ts(0)
        ])
    );
    s.stop();
}

/// The `data-ts` of a tab's top-level messages, in page order.
const TOPS: &str =
    "[...document.querySelectorAll('ol.messages > li[data-ts]')].map(li => li.dataset.ts)";

/// Issue 15, requirement 5: a live chat's address opens on its latest messages and follows the
/// chat; the newest numbered page follows it through a page boundary, losing and repeating
/// nothing; reloaded, the address shows the latest again, with the page list intact.
#[test]
fn a_live_chats_address_opens_on_its_latest_messages_and_follows_through_a_page_boundary() {
    let mut browser = Browser::launch();
    let p = Project::init();
    p.poll_fast().edit_config(|c| {
        c.replace("latest = 50", "latest = 3")
            .replace("page_size = 100", "page_size = 5")
    });
    p.add_live_chat(CH, "live", "Live page");
    let s = Server::start(&p);
    for n in 0..7 {
        let text = format!("m{n}");
        assert_eq!(
            s.post(&message(&format!("EvA{n}"), CH, &ts(n * 10), "U1", &text)),
            200
        );
    }
    wait_until("two pages", || {
        std::fs::read_to_string(p.path("site/live/page-2.html")).is_ok_and(|f| f.contains(&ts(60)))
    });

    // The address: the latest three messages, following, with the way back to the start.
    let landing = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&landing, "window.scrollbackLivePage", "the live script");
    browser.wait_for(
        &landing,
        &format!(
            "JSON.stringify({TOPS}) === '{}'",
            json!([ts(40), ts(50), ts(60)])
        ),
        "the latest three messages",
    );
    assert_eq!(
        browser.eval(
            &landing,
            "document.querySelector('.from-beginning a').getAttribute('href')"
        ),
        "page-1.html"
    );
    assert_eq!(
        browser.eval(
            &landing,
            "document.querySelector('.pagination [aria-current=page]').textContent"
        ),
        "Latest"
    );
    // The newest numbered page follows the chat too.
    let newest = browser.open(&format!("http://{}/live/page-2.html", s.addr));
    browser.wait_for(&newest, "window.scrollbackLivePage", "the live script");

    // Page 2 fills (m7..m9) and page 3 starts (m10..m12): both tabs show every message once.
    for n in 7..13 {
        let text = format!("m{n}");
        s.post(&message(&format!("EvB{n}"), CH, &ts(n * 10), "U1", &text));
        for tab in [&landing, &newest] {
            browser.wait_for(tab, &format!("!!{}", item(&ts(n * 10))), &text);
        }
    }
    let on_landing: Vec<String> = (4..13).map(|n| ts(n * 10)).collect();
    assert_eq!(browser.eval(&landing, TOPS), json!(on_landing));
    let on_newest: Vec<String> = (5..13).map(|n| ts(n * 10)).collect();
    assert_eq!(browser.eval(&newest, TOPS), json!(on_newest));

    // Reloaded: the latest three again, and the pages as cut.
    // (Pages are cached for a minute, as deploys serve them: a new address skips the cache.)
    let again = browser.open(&format!("http://{}/live/?again", s.addr));
    browser.wait_for(
        &again,
        &format!(
            "JSON.stringify({TOPS}) === '{}'",
            json!([ts(100), ts(110), ts(120)])
        ),
        "the latest three messages after the boundary",
    );
    let page = |n: u64| p.read(&format!("site/live/page-{n}.html"));
    assert!(page(2).contains(&ts(90)) && !page(2).contains(&format!("data-ts=\"{}\"", ts(100))));
    assert!(page(3).contains(&ts(100)) && page(3).contains(&ts(120)));
    assert!(page(1).contains(&ts(0)) && page(1).contains(&ts(40)));
    s.stop();

    // Archived, the address reads from the beginning: it is page 1, which keeps its own address.
    p.ok(&["archive", "live"]);
    p.build();
    assert_eq!(p.read("site/live/index.html"), page(1));
    assert!(page(1).contains(&format!("data-ts=\"{}\"", ts(0))));
    assert!(!page(1).contains("from-beginning"));
}

#[test]
fn a_broadcast_reply_shows_once_at_the_top_level_and_once_in_its_thread() {
    let mut browser = Browser::launch();
    let (p, s) = serve_live_chat("[live]\ninterval = 0.5\nmax_interval = 2\n", 3, |i| {
        format!("m{i}")
    });
    // "Also send to channel": the reply shows in its thread and, on its own, in the chat.
    let broadcast = ts(25);
    let mut event = reply(
        "EvBroadcast",
        CH,
        &broadcast,
        &ts(0),
        "also sent to the channel",
    );
    event["event"]["subtype"] = json!("thread_broadcast");
    assert_eq!(s.post(&event), 200);
    wait_until("the broadcast in the feed", || {
        std::fs::read_to_string(p.path("site/live/live.json")).is_ok_and(|f| f.contains(&broadcast))
    });
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    // The first poll applies the live feed, the broadcast in it, over the page as served.
    browser.wait_for(
        &tab,
        &format!("window.scrollbackLivePage.state.applied['{broadcast}'] !== undefined"),
        "the first poll applied",
    );
    let tops = format!("ol.messages > li[data-ts=\"{broadcast}\"]");
    assert_eq!(count(&mut browser, &tab, &tops), 1);
    let in_thread = format!(".replies > li[data-ts=\"{broadcast}\"]");
    assert_eq!(count(&mut browser, &tab, &in_thread), 1);
    // One element has the message's id: its link leads to one place.
    let anchor = format!("m{}", broadcast.replace('.', "-"));
    assert_eq!(count(&mut browser, &tab, &format!("[id=\"{anchor}\"]")), 1);
    assert_eq!(
        browser.eval(
            &tab,
            &format!("document.getElementById('{anchor}').parentNode.className")
        ),
        "messages"
    );
}

/// How many elements of the page in `tab` match `selector`.
fn count(browser: &mut Browser, tab: &crate::support::browser::Tab, selector: &str) -> u64 {
    let js = format!("document.querySelectorAll({}).length", json!(selector));
    browser.eval(tab, &js).as_u64().unwrap()
}
