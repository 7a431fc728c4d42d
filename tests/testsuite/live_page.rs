//! The live page in a real browser (headless Chromium): served by `scrollback serve`, fed by
//! signed events, it follows the chat without a reload.

use crate::support::browser::Browser;
use crate::support::http::ForeignPage;
use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack::{delete, edit, message, reaction, reply};
use crate::support::wait::wait_until;

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
    let config = p.read("scrollback.toml");
    p.write(
        "scrollback.toml",
        &config.replace(
            "interval = 3\nmax_interval = 30",
            "interval = 0.5\nmax_interval = 2",
        ),
    );
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
    assert_eq!(
        browser.eval(
            &tab,
            "document.querySelectorAll('ol.messages > li[data-ts]').length"
        ),
        40
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
