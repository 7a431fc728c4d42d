//! `scrollback watch` through the real binary: a temporary project, real file changes, real
//! HTTP on loopback, and a real browser for what a designer sees.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use crate::support::browser::Browser;
use crate::support::exports::official_export;
use crate::support::http::get;
use crate::support::process::Process;
use crate::support::project::{NO_ENV, Project, scrollback};
use crate::support::wait::wait_until;

/// `scrollback watch ARGS` on `p`, and the address it serves on.
fn start_watch(p: &Project, args: &[&str]) -> (Process, String) {
    let watch = Process::start(scrollback(p.root(), args, NO_ENV));
    // "Serving site/ on …", or "Serving a preview with draft chats on …" with --drafts.
    let line = watch.wait_line(" on http://");
    assert!(line.starts_with("Serving"), "{line}");
    // "… http://127.0.0.1:PORT/ …"
    let (_, rest) = line.split_once("http://").unwrap();
    let addr = rest.split('/').next().unwrap().to_owned();
    (watch, addr)
}

fn watched_project() -> (Project, Process, String) {
    let p = Project::init();
    p.import(&official_export());
    let (watch, addr) = start_watch(&p, &["watch", "--port", "0"]);
    (p, watch, addr)
}

/// Collects the server-sent events of the dev server.
fn subscribe(addr: &str) -> Arc<Mutex<Vec<String>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /__scrollback/events HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let sink = events.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(event) = line.strip_prefix("event: ") {
                sink.lock().unwrap().push(event.to_owned());
            }
        }
    });
    events
}

fn write_atomic(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("swp-test");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn watch_serves_the_site_and_follows_content_and_theme_changes() {
    let (p, watch, addr) = watched_project();
    let index = get(&addr, "/");
    assert_eq!(index.status, 200);
    assert!(
        index.text().contains("/__scrollback/livereload.js"),
        "the dev server injects live reload"
    );
    assert!(
        !p.read("site/index.html").contains("livereload"),
        "never into the files on disk"
    );
    assert_eq!(get(&addr, "/../../etc/passwd").status, 404);
    let events = subscribe(&addr);

    // A new message appears in the served feed.
    let record = serde_json::json!({"ts": "1900000000.000001", "slack": {"type": "message", "user": "U0BMQB6JE", "text": "a late *update*", "ts": "1900000000.000001"}});
    write_atomic(
        &p.path("content/channels/enrique/messages/1900000000.000001.json"),
        &record.to_string(),
    );
    wait_until("the new message in the served feed", || {
        get(&addr, "/enrique/feed.json")
            .text()
            .contains("a late <b>update</b>")
    });
    wait_until("a reload event", || {
        events.lock().unwrap().contains(&"reload".to_owned())
    });
    watch.wait_line("message enrique/1900000000.000001: ");

    // A stylesheet: only "css" for open pages.
    let css = p.path("themes/default/static/assets/style.css");
    write_atomic(
        &css,
        &(std::fs::read_to_string(&css).unwrap() + "\n.watch-test { color: red }\n"),
    );
    wait_until("the new stylesheet served", || {
        get(&addr, "/assets/style.css")
            .text()
            .contains(".watch-test")
    });
    wait_until("a css event", || {
        events.lock().unwrap().contains(&"css".to_owned())
    });

    // A broken template: the error is printed and sent to pages; the server keeps serving.
    let chat = p.path("themes/default/templates/chat.html");
    let good = std::fs::read_to_string(&chat).unwrap();
    write_atomic(
        &chat,
        &good.replace("{% endblock content %}", "{% if %}{% endblock content %}"),
    );
    wait_until("an error event", || {
        events.lock().unwrap().contains(&"error".to_owned())
    });
    let out = watch.wait_line("chat.html is");
    assert!(out.contains("themes/default/templates/chat.html"), "{out}");
    // The rebuild line names the template that was changed (issue 12).
    watch.wait_line("template themes/default/templates/chat.html: build failed");
    assert_eq!(
        get(&addr, "/enrique/").status,
        200,
        "still serving the last good site"
    );
    let reloads = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| *e == "reload")
        .count();
    write_atomic(&chat, &good);
    wait_until("a reload after the fix", || {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| *e == "reload")
            .count()
            > reloads
    });
}

#[test]
fn poll_mode_notices_changes_too() {
    let p = Project::init();
    p.import(&official_export());
    let (_watch, addr) = start_watch(&p, &["watch", "--port", "0", "--poll", "100"]);
    let settings = p.read("content/channels/enrique/channel.toml");
    // A poller's first scan may run after the server announced itself: keep editing (each
    // time a new headline) until the edits are noticed.
    let mut n = 0;
    wait_until("a polled headline", || {
        n += 1;
        if n % 20 == 1 {
            write_atomic(
                &p.path("content/channels/enrique/channel.toml"),
                &settings.replace(
                    "headline = \"enrique\"",
                    &format!("headline = \"Polled headline {n}\""),
                ),
            );
        }
        get(&addr, "/enrique/").text().contains("Polled headline")
    });
}

/// What a designer sees: a stylesheet change reaches the open page without a reload, and a
/// broken template shows an overlay naming the file, which goes away when it is fixed.
#[test]
fn browser_swaps_css_in_place_and_shows_build_errors() {
    let (p, _watch, addr) = watched_project();
    let mut browser = Browser::launch();
    let tab = browser.open(&format!("http://{addr}/enrique/"));
    browser.wait_for(
        &tab,
        "document.documentElement.getAttribute('data-scrollback-live-reload') === 'connected'",
        "the page listening for rebuilds",
    );
    browser.eval(&tab, "window.__notReloaded = true");

    let css = p.path("themes/default/static/assets/style.css");
    write_atomic(
        &css,
        &(std::fs::read_to_string(&css).unwrap() + "\nbody { background: rgb(1, 2, 3); }\n"),
    );
    browser.wait_for(
        &tab,
        "getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",
        "the new background",
    );
    assert_eq!(
        browser.eval(&tab, "window.__notReloaded === true"),
        serde_json::json!(true),
        "the page was reloaded"
    );

    let chat = p.path("themes/default/templates/chat.html");
    let good = std::fs::read_to_string(&chat).unwrap();
    write_atomic(
        &chat,
        &good.replace(
            "{% endblock content %}",
            "{{ oops( }}{% endblock content %}",
        ),
    );
    let overlay = browser.wait_for(
        &tab,
        "document.getElementById('scrollback-error-overlay') && document.getElementById('scrollback-error-overlay').textContent",
        "the error overlay",
    );
    assert!(overlay.as_str().unwrap().contains("chat.html"), "{overlay}");

    write_atomic(
        &chat,
        &good.replace("{{ t(key=\"chat_archive\") }}", "Fixed archive"),
    );
    browser.wait_for(
        &tab,
        "!document.getElementById('scrollback-error-overlay') && document.querySelector('.kicker').textContent.includes('Fixed archive')",
        "the fixed page without the overlay",
    );
}

/// The dev server answers for `site/` exactly as `serve` does (one shared handler): a folder
/// without its trailing slash redirects, never to another host, and pages revalidate by ETag.
#[test]
fn the_dev_server_redirects_folders_like_serve() {
    use crate::support::http::request as http;
    let (_p, _watch, addr) = watched_project();
    let folder = http(&addr, "GET", "/enrique", &[], b"");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("location"), Some("/enrique/"));
    // `//enrique/` would be protocol-relative: a redirect to the host `enrique`.
    let doubled = http(&addr, "GET", "//enrique", &[], b"");
    assert_eq!(doubled.status, 301);
    assert_eq!(doubled.header("location"), Some("/enrique/"));

    let page = http(&addr, "GET", "/enrique/", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/__scrollback/livereload.js"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let etag = page.header("etag").unwrap().to_owned();
    let again = http(&addr, "GET", "/enrique/", &[("If-None-Match", etag)], b"");
    assert_eq!(again.status, 304);
    assert_eq!(http(&addr, "GET", "/nope.html", &[], b"").status, 404);
}

/// Folders made after `watch` starts are watched too, and a removed override falls back to the
/// theme (issue 12): a `static/` with a file, a `templates/` override, then the override gone.
#[test]
fn folders_made_after_watch_starts_are_watched() {
    let (p, _watch, addr) = watched_project();
    assert!(!p.exists("static") && !p.exists("templates"));

    // mkdir, then the file: the file is written before its folder's watch can begin.
    std::fs::create_dir_all(p.path("static/extra")).unwrap();
    std::fs::write(p.path("static/extra/note.txt"), "made later\n").unwrap();
    wait_until("the new static file on the site", || {
        get(&addr, "/extra/note.txt").status == 200
    });

    std::fs::create_dir_all(p.path("templates")).unwrap();
    let index = p.read("themes/default/templates/index.html");
    let marker = "A local override";
    let overridden = index.replacen(
        "{% block content %}",
        &format!("{{% block content %}}<p>{marker}</p>"),
        1,
    );
    assert_ne!(overridden, index);
    std::fs::write(p.path("templates/index.html"), overridden).unwrap();
    wait_until("the override in use", || {
        get(&addr, "/").text().contains(marker)
    });

    std::fs::remove_file(p.path("templates/index.html")).unwrap();
    wait_until("the theme's index again", || {
        let page = get(&addr, "/");
        page.status == 200 && !page.text().contains(marker)
    });
}

/// `watch --drafts` previews draft chats and follows their changes, in a folder of its own:
/// `site/`, which `build` and `deploy` publish, never gets a draft (issue 12).
#[test]
fn watch_drafts_previews_drafts_that_never_reach_the_site() {
    let p = Project::init();
    p.import(&official_export());
    p.ok(&["unpublish", "enrique"]);
    p.build();
    assert!(!p.exists("site/enrique"));
    assert!(p.exists("site/traveling-sailor/index.html"));

    let (watch, addr) = start_watch(&p, &["watch", "--port", "0", "--drafts"]);
    assert!(watch.output().contains("draft chats"), "{}", watch.output());
    let page = get(&addr, "/enrique/");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("Draft: not published"),
        "marked as a draft"
    );
    let index = get(&addr, "/").text();
    assert!(
        index.contains("enrique/") && index.contains("traveling-sailor/"),
        "{index}"
    );

    // A change to the draft reaches the preview, not the site.
    let settings = p.read("content/channels/enrique/channel.toml");
    write_atomic(
        &p.path("content/channels/enrique/channel.toml"),
        &settings.replace("headline = \"enrique\"", "headline = \"Draft headline\""),
    );
    wait_until("the draft's new headline in the preview", || {
        get(&addr, "/enrique/").text().contains("Draft headline")
    });
    assert!(!p.exists("site/enrique"));
    assert!(p.exists(".scrollback/preview/enrique/index.html"));
    drop(watch);

    // A build after the preview still publishes no draft, and finds the site as it left it.
    let out = p.ok(&["build"]);
    assert!(!p.exists("site/enrique"), "{out}");
    assert!(!p.read("site/index.html").contains("enrique/"));
    assert!(out.contains("0 files written"), "{out}");
}
