//! Push where `serve` hosts the page (issue 15, requirement 4): a real headless Chromium on a
//! page `serve` hosts follows the chat by server-sent events, not by polling; when the stream
//! drops it polls and comes back to the stream, losing and duplicating nothing; the stream route
//! refuses what is not a live chat and answers 503 past its cap. `bench_push_latency` (ignored;
//! `scripts/bench-push`) measures event → DOM with push and with polling.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::browser::{Browser, Tab};
use crate::support::project::{NO_ENV, Project};
use crate::support::server::Server;
use crate::support::slack::message;
use crate::support::wait::wait_until;

const CH: &str = "C1PUSH";

fn ts(n: u64) -> String {
    format!("{}.000100", 1_700_000_100 + n)
}

/// A project with one live chat, `live`, whose pages poll fast (0.5 s, at most 2 s), so the
/// tests are quick whichever path the page takes.
fn live_project() -> Project {
    let p = Project::init();
    p.poll_fast();
    p.add_live_chat(CH, "live", "Live push");
    p
}

/// Posts messages `from..to` (ts(n), text `m{n}`) and waits until `live.json` has the last one.
fn post_messages(p: &Project, s: &Server, range: std::ops::Range<u64>) {
    for n in range.clone() {
        assert_eq!(
            s.post(&message(
                &format!("Ev{n}"),
                CH,
                &ts(n),
                "U1",
                &format!("m{n}")
            )),
            200
        );
    }
    let last = ts(range.end - 1);
    wait_until(format!("{last} in live.json"), || {
        std::fs::read_to_string(p.path("site/live/live.json")).is_ok_and(|f| f.contains(&last))
    });
}

fn polls(s: &Server) -> u64 {
    s.health()["live_polls"].as_u64().expect("live_polls")
}

fn port(s: &Server) -> u16 {
    s.addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// Opens the live chat's address and waits until its push stream is open.
fn open_pushed(browser: &mut Browser, s: &Server) -> Tab {
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(
        &tab,
        "window.scrollbackLivePage && window.scrollbackLivePage.push.open",
        "the push stream to open",
    );
    tab
}

/// Waits until the page shows top-level message `ts` with text `text`.
fn wait_shown(browser: &mut Browser, tab: &Tab, ts: &str, text: &str) {
    browser.wait_for(
        tab,
        &format!(
            "document.querySelector('ol.messages > li[data-ts=\"{ts}\"] .text').textContent === '{text}'"
        ),
        &format!("{ts} on the page"),
    );
}

/// The ts of the page's top-level messages, in order.
fn shown(browser: &mut Browser, tab: &Tab) -> Vec<String> {
    let v = browser.eval(
        tab,
        "[...document.querySelectorAll('ol.messages > li[data-ts]')].map(li => li.dataset.ts)",
    );
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_new_message_reaches_an_open_page_by_push_not_by_polling() {
    let mut browser = Browser::launch();
    let p = live_project();
    let s = Server::start(&p);
    post_messages(&p, &s, 0..5);

    let tab = open_pushed(&mut browser, &s);
    wait_shown(&mut browser, &tab, &ts(4), "m4");
    assert_eq!(s.health()["push_streams"], 1);

    // Several messages, each on the page while live.json is not requested once.
    let before = polls(&s);
    for n in 5..8 {
        assert_eq!(
            s.post(&message(
                &format!("Ev{n}"),
                CH,
                &ts(n),
                "U1",
                &format!("m{n}")
            )),
            200
        );
        wait_shown(&mut browser, &tab, &ts(n), &format!("m{n}"));
    }
    assert_eq!(
        polls(&s),
        before,
        "the page polled live.json while its stream was open"
    );
    assert_eq!(
        shown(&mut browser, &tab),
        (0..8).map(ts).collect::<Vec<_>>()
    );
    assert_eq!(
        browser.eval(&tab, "window.scrollbackLivePage.push.open"),
        true
    );

    // The page closes: its stream is given back.
    browser.eval(&tab, "window.location.href = 'about:blank'");
    wait_until("the stream to close", || s.health()["push_streams"] == 0);
    let log = s.stop();
    assert!(!log.contains("closing connections still open"), "{log}");
}

#[test]
fn a_dropped_stream_falls_back_to_polling_and_comes_back() {
    let mut browser = Browser::launch();
    let p = live_project();
    let s = Server::start(&p);
    post_messages(&p, &s, 0..3);
    let tab = open_pushed(&mut browser, &s);
    wait_shown(&mut browser, &tab, &ts(2), "m2");

    // Acknowledged just before serve stops: published by this serve (it finishes what is
    // recorded) or the next, pushed or not; the page must get it either way.
    assert_eq!(s.post(&message("Ev3", CH, &ts(3), "U1", "m3")), 200);
    let port = port(&s);
    let log = s.stop();
    // The open stream ended with serve: it did not hold the stop up.
    assert!(!log.contains("closing connections still open"), "{log}");

    // Back without push (as behind a CDN): the page polls.
    let s = Server::start_on(&p, port, &["--push-streams", "0"], NO_ENV);
    browser.wait_for(
        &tab,
        "!window.scrollbackLivePage.push.open",
        "the page to notice the stream dropped",
    );
    wait_shown(&mut browser, &tab, &ts(3), "m3");
    for n in 4..7 {
        assert_eq!(
            s.post(&message(
                &format!("Ev{n}"),
                CH,
                &ts(n),
                "U1",
                &format!("m{n}")
            )),
            200
        );
    }
    wait_shown(&mut browser, &tab, &ts(6), "m6");
    assert!(polls(&s) > 0, "the page did not poll");
    assert_eq!(
        browser.eval(&tab, "window.scrollbackLivePage.push.open"),
        false
    );
    s.stop();

    // Push again: the page comes back to the stream by itself and stops polling.
    let s = Server::start_on(&p, port, &[], NO_ENV);
    browser.wait_for(
        &tab,
        "window.scrollbackLivePage.push.open",
        "the page to come back to the stream",
    );
    let before = polls(&s);
    assert_eq!(s.post(&message("Ev7", CH, &ts(7), "U1", "m7")), 200);
    wait_shown(&mut browser, &tab, &ts(7), "m7");
    assert_eq!(polls(&s), before, "the page polled with its stream open");

    // Every message once, in order, through push, polling and push again.
    assert_eq!(
        shown(&mut browser, &tab),
        (0..8).map(ts).collect::<Vec<_>>()
    );
    assert_eq!(
        browser.eval(&tab, "document.querySelectorAll('li[data-ts]').length"),
        8
    );
    s.stop();
}

/// A GET of a stream on its own connection, left open.
struct RawStream {
    status: u16,
    head: String,
    conn: TcpStream,
    /// What came after the head.
    body: Vec<u8>,
}

fn open_stream(addr: &str, path: &str) -> RawStream {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = conn.read(&mut buf).expect("the answer's head");
        assert!(n > 0, "closed before the head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    RawStream {
        status,
        head,
        conn,
        body: raw[end + 4..].to_vec(),
    }
}

impl RawStream {
    /// Reads until what came contains `needle`; false if the stream ended first.
    fn read_until(&mut self, needle: &str) -> bool {
        let mut buf = [0u8; 8192];
        loop {
            if String::from_utf8_lossy(&self.body).contains(needle) {
                return true;
            }
            match self.conn.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => self.body.extend_from_slice(&buf[..n]),
                Err(e) => panic!("reading the stream: {e}"),
            }
        }
    }
}

#[test]
fn the_stream_is_only_for_live_chats_and_capped() {
    let p = live_project();
    p.ok(&[
        "channel",
        "add",
        "C2DRAFT",
        "--slug",
        "prep",
        "--headline",
        "Prepared",
        "--draft",
    ]);
    let s = Server::start_with(&p, &["--push-streams", "2"], NO_ENV);
    post_messages(&p, &s, 0..2);

    for path in [
        "/_scrollback/live/nope",
        "/_scrollback/live/prep",
        "/_scrollback/live/..%2Flive",
        "/_scrollback/live/",
        "/_scrollback/anything",
    ] {
        assert_eq!(s.get(path).status, 404, "{path}");
    }

    // Two streams, the cap: each starts with the chat's live.json as a poll would get it.
    let live_json = p.read("site/live/live.json");
    let mut first = open_stream(&s.addr, "/_scrollback/live/live");
    let mut second = open_stream(&s.addr, "/_scrollback/live/live");
    for stream in [&mut first, &mut second] {
        assert_eq!(stream.status, 200, "{}", stream.head);
        assert!(
            stream
                .head
                .to_ascii_lowercase()
                .contains("content-type: text/event-stream"),
            "{}",
            stream.head
        );
        assert!(stream.read_until(&format!("data: {}\n\n", live_json.trim_end())));
    }
    assert_eq!(s.health()["push_streams"], 2);
    let third = open_stream(&s.addr, "/_scrollback/live/live");
    assert_eq!(third.status, 503, "{}", third.head);
    assert!(third.head.to_ascii_lowercase().contains("retry-after:"));
    // The rest of the server is not held up.
    assert_eq!(s.post(&message("Ev2", CH, &ts(2), "U1", "pushed")), 200);
    assert!(first.read_until(&format!("\"ts\":\"{}\"", ts(2))));
    assert!(second.read_until(&format!("\"ts\":\"{}\"", ts(2))));

    // A reader that leaves gives its place back.
    drop(third);
    drop(second);
    wait_until("a stream's place back", || s.health()["push_streams"] == 1);
    let mut again = open_stream(&s.addr, "/_scrollback/live/live");
    assert_eq!(again.status, 200, "{}", again.head);

    // Stopping ends every stream at once.
    let log = s.stop();
    assert!(!first.read_until("never sent"));
    assert!(!again.read_until("never sent"));
    assert!(!log.contains("closing connections still open"), "{log}");
}

/// Percentile `q` (0..=1) of sorted `values`, nearest rank.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Event accepted (its `200`) → the message in the page's DOM, for `events` messages, in a
/// page `serve` hosts: with push, then with push off (`--push-streams 0`: the page polls, as
/// behind a CDN) under the default `[live]` intervals. Events are sent 300–700 ms apart.
fn latencies(push: bool, events: u64) -> (Vec<f64>, u64) {
    let mut browser = Browser::launch();
    let p = Project::init();
    p.add_live_chat(CH, "live", "Live push bench");
    let args: &[&str] = if push { &[] } else { &["--push-streams", "0"] };
    let s = Server::start_with(&p, args, NO_ENV);
    post_messages(&p, &s, 0..20);
    let tab = browser.open(&format!("http://{}/live/", s.addr));
    browser.wait_for(&tab, "window.scrollbackLivePage", "the live script");
    if push {
        browser.wait_for(
            &tab,
            "window.scrollbackLivePage.push.open",
            "the push stream",
        );
    }
    // The page has applied a feed once (its first poll, or the stream's first document), so
    // what it replaces then is not taken for new.
    browser.wait_for(
        &tab,
        "Object.keys(window.scrollbackLivePage.state.applied).length >= 20",
        "the page's first feed",
    );
    // When each message enters the list, on the same wall clock as the test's.
    browser.eval(
        &tab,
        "window.__seen = {};
         new MutationObserver(records => {
           const t = performance.timeOrigin + performance.now();
           for (const r of records) for (const n of r.addedNodes)
             if (n.nodeType === 1 && n.dataset.ts && !(n.dataset.ts in __seen)) __seen[n.dataset.ts] = t;
         }).observe(document.querySelector('ol.messages'), { childList: true }); true",
    );
    let polls_before = polls(&s);
    let mut accepted = Vec::new();
    let mut seed: u64 = 0x5eed;
    for i in 0..events {
        let n = 100 + i;
        assert_eq!(
            s.post(&message(
                &format!("Ev{n}"),
                CH,
                &ts(n),
                "U1",
                &format!("m{n}")
            )),
            200
        );
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        accepted.push((ts(n), now.as_secs_f64() * 1000.0));
        // Pacing, not waiting for anything: a steady stream of events at uneven gaps.
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(300 + (seed >> 33) % 400));
    }
    let expected =
        serde_json::to_string(&accepted.iter().map(|(ts, _)| ts).collect::<Vec<_>>()).unwrap();
    let seen: Value = browser.wait_for(
        &tab,
        &format!("{expected}.every(ts => ts in window.__seen) && window.__seen"),
        "every message on the page",
    );
    let polls = polls(&s) - polls_before;
    s.stop();
    let mut ms: Vec<f64> = accepted
        .iter()
        .map(|(ts, at)| seen[ts].as_f64().expect("seen") - at)
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms, polls)
}

#[test]
#[ignore = "a benchmark: scripts/bench-push"]
fn bench_push_latency() {
    let events: u64 = std::env::var("SCROLLBACK_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    println!("event accepted (200) → message in the DOM, {events} events, loopback Chromium");
    for push in [true, false] {
        let (ms, polls) = latencies(push, events);
        println!(
            "{:<38} p50 {:>6.0} ms  p90 {:>6.0} ms  p99 {:>6.0} ms  max {:>6.0} ms  (live.json polls: {polls})",
            if push {
                "push (server-sent events)"
            } else {
                "polling (--push-streams 0, [live] 3 s)"
            },
            percentile(&ms, 0.5),
            percentile(&ms, 0.9),
            percentile(&ms, 0.99),
            ms.last().unwrap(),
        );
    }
}
