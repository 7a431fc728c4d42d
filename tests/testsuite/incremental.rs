//! Incremental builds are tested, not hoped for: random sequences of changes to content, users,
//! templates, static files and config, each followed by an incremental `scrollback build`, whose
//! `site/` must equal, byte for byte, a clean full build of the same inputs.

use std::path::Path;

use crate::support::exports::synthetic_export;
use crate::support::project::{Project, copy_tree};

/// A small deterministic PRNG (xorshift), so a failing sequence can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Writes like editors and scrollback do: a temporary file, then a rename.
fn write_atomic(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_extension("tmp-edit");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn message_files(p: &Project) -> Vec<String> {
    p.snapshot("content/channels")
        .into_keys()
        .filter(|k| k.contains("/messages/"))
        .collect()
}

/// One random change; returns what it did (for the failure message) and the paths it touched
/// (as a file watcher would report them).
fn random_change(p: &Project, rng: &mut Rng, step: usize) -> (String, Vec<std::path::PathBuf>) {
    let touched = std::cell::RefCell::new(Vec::new());
    let write_atomic = |path: &Path, text: &str| {
        touched.borrow_mut().push(path.to_path_buf());
        write_atomic(path, text)
    };
    let copy_tree = |from: &Path, to: &Path| {
        copy_tree(from, to);
        touched.borrow_mut().extend(
            walkdir::WalkDir::new(to)
                .into_iter()
                .map(|e| e.unwrap().into_path()),
        );
    };
    let removed = |path: &Path| touched.borrow_mut().push(path.to_path_buf());
    let did = random_change_inner(p, rng, step, &write_atomic, &copy_tree, &removed);
    (did, touched.into_inner())
}

fn random_change_inner(
    p: &Project,
    rng: &mut Rng,
    step: usize,
    write_atomic: &dyn Fn(&Path, &str),
    copy_tree: &dyn Fn(&Path, &Path),
    removed: &dyn Fn(&Path),
) -> String {
    let files = message_files(p);
    let chats = p.chats();
    let users: Vec<String> = p
        .snapshot("content/users")
        .into_keys()
        .filter(|k| k.ends_with(".json") && !k.contains('/'))
        .collect();
    match rng.below(15) {
        0..=2 => {
            // A new message, sometimes a reply in a thread.
            let chat = rng.pick(&chats).clone();
            let ts = format!(
                "{}.{:06}",
                1_530_000_000 + step * 97 + rng.below(50),
                rng.below(999_999)
            );
            let user = rng.pick(&users).trim_end_matches(".json").to_owned();
            let mut slack = serde_json::json!({"type": "message", "user": user, "ts": ts,
                "text": format!("new message {step} for <@{user}> :tada:")});
            let in_chat: Vec<&String> = files
                .iter()
                .filter(|f| f.starts_with(&format!("{chat}/")))
                .collect();
            if rng.below(3) == 0 && !in_chat.is_empty() {
                let parent = rng
                    .pick(&in_chat)
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .trim_end_matches(".json")
                    .to_owned();
                slack["thread_ts"] = parent.clone().into();
                // Also sent to the channel: its top-level copy may land pages after its parent,
                // whose page then links it there (and follows it when places move).
                let broadcast = rng.below(2) == 0;
                if broadcast {
                    slack["subtype"] = "thread_broadcast".into();
                }
                let record = serde_json::json!({"ts": ts, "slack": slack});
                write_atomic(
                    &p.path(&format!("content/channels/{chat}/messages/{ts}.json")),
                    &record.to_string(),
                );
                let sent = if broadcast {
                    ", also to the channel"
                } else {
                    ""
                };
                return format!("reply {chat}/{ts} to {parent}{sent}");
            }
            let record = serde_json::json!({"ts": ts, "slack": slack});
            write_atomic(
                &p.path(&format!("content/channels/{chat}/messages/{ts}.json")),
                &record.to_string(),
            );
            format!("add {chat}/{ts}")
        }
        3 | 4 if rng.below(3) == 0 => {
            // An editor's act (issue 14): a pin, a highlight or a correction, logged with the
            // editor, whose name the page shows (a rename must re-render it).
            let f = rng.pick(&files).clone();
            let path = p.path(&format!("content/channels/{f}"));
            let mut record: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let editor = rng.pick(&users).trim_end_matches(".json").to_owned();
            let at = format!("{}.000000", 1_600_000_000 + step);
            let (flag, act) = match rng.below(3) {
                0 => ("pinned", "pin"),
                1 => ("highlighted", "highlight"),
                _ => ("override_text", "edit"),
            };
            let on = record.get(flag).is_none();
            let value = match flag {
                "override_text" => serde_json::json!(format!("corrected at step {step}")),
                _ => serde_json::json!(true),
            };
            let map = record.as_object_mut().unwrap();
            if on {
                map.insert(flag.to_owned(), value);
            } else {
                map.remove(flag);
            }
            let act = if on {
                act.to_owned()
            } else {
                format!("un{act}")
            };
            let act = if act == "unedit" {
                "revert".to_owned()
            } else {
                act
            };
            let mut entry = serde_json::json!({"id": format!("E{step}"), "act": act,
                "by": editor, "at": at, "via": "shortcut"});
            if act == "edit" {
                entry["text"] = map["override_text"].clone();
            }
            map.entry("editorial")
                .or_insert_with(|| serde_json::json!([]))
                .as_array_mut()
                .unwrap()
                .push(entry);
            map.insert("changed_ts".to_owned(), at.into());
            write_atomic(&path, &record.to_string());
            format!("{act} {f} by {editor}")
        }
        3 | 4 => {
            let f = rng.pick(&files).clone();
            let path = p.path(&format!("content/channels/{f}"));
            let mut record: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let text = match rng.below(3) {
                0 => "&lt;#&gt; now a comment for editors".to_owned(),
                1 => format!("edited at step {step}: *bold* and _italic_"),
                _ => "plain edit".to_owned(),
            };
            record["slack"]["text"] = text.clone().into();
            record["slack"]["edited"] =
                serde_json::json!({"ts": format!("{}.000000", 1_600_000_000 + step)});
            record["slack"].as_object_mut().unwrap().remove("blocks");
            write_atomic(&path, &record.to_string());
            format!("edit {f}: {text}")
        }
        5 => {
            let f = rng.pick(&files).clone();
            let path = p.path(&format!("content/channels/{f}"));
            if rng.below(2) == 0 {
                std::fs::remove_file(&path).unwrap();
                removed(&path);
                format!("remove {f}")
            } else {
                let mut record: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                record["deleted"] = true.into();
                write_atomic(&path, &record.to_string());
                format!("delete {f}")
            }
        }
        6 => {
            let u = rng.pick(&users).clone();
            let path = p.path(&format!("content/users/{u}"));
            let mut user: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            user["profile"]["display_name"] = format!("Renamed {step}").into();
            user["profile"]["image_72"] = format!("https://example.org/avatar-{step}.png").into();
            write_atomic(&path, &user.to_string());
            format!("rename user {u}")
        }
        7 => {
            let (name, edit) = *rng.pick(&[
                (
                    "message.html",
                    "<span class=\"step\">{{ message.ts }}</span>",
                ),
                (
                    "chat.html",
                    "<p class=\"chat-step\">{{ chat.headline }}</p>",
                ),
                (
                    "index.html",
                    "<p class=\"index-step\">{{ chats | length }}</p>",
                ),
                (
                    "thread.html",
                    "<p class=\"thread-step\">{{ thread.replies }}</p>",
                ),
                ("base.html", "<!-- base -->"),
            ]);
            let path = p.path(&format!("themes/default/templates/{name}"));
            let text = std::fs::read_to_string(&path).unwrap();
            let text = if name == "message.html" {
                text.replace(
                    "<div class=\"text\">",
                    &format!("{edit}<div class=\"text\">"),
                )
            } else if name == "base.html" {
                text.replace("</footer>", &format!("</footer>{edit}{step}"))
            } else {
                text.replace(
                    "{% endblock content %}",
                    &format!("{edit}{step}{{% endblock content %}}"),
                )
            };
            write_atomic(&path, &text);
            format!("template {name}")
        }
        8 => {
            let path = p.path("themes/default/static/assets/style.css");
            let text = std::fs::read_to_string(&path).unwrap();
            write_atomic(&path, &format!("{text}\n.step-{step} {{ color: red; }}"));
            "css".to_owned()
        }
        9 => {
            let chat = rng.pick(&chats).clone();
            let path = p.path(&format!("content/channels/{chat}/channel.toml"));
            let text = std::fs::read_to_string(&path).unwrap();
            let (what, text) = match rng.below(4) {
                0 => (
                    "draft",
                    text.replace("state = \"archived\"", "state = \"draft\"")
                        .replace("state = \"live\"", "state = \"draft\""),
                ),
                1 => (
                    "publish",
                    text.replace("state = \"draft\"", "state = \"archived\""),
                ),
                // Live chats add live feeds, the live script and a link to the last page.
                2 => (
                    "live",
                    text.replace("state = \"draft\"", "state = \"live\"")
                        .replace("state = \"archived\"", "state = \"live\""),
                ),
                _ => (
                    "headline",
                    replace_line(
                        &text,
                        "headline = ",
                        &format!("headline = \"Headline {step}\""),
                    ),
                ),
            };
            write_atomic(&path, &text);
            format!("{what} {chat}")
        }
        10 => {
            // A new chat, copied from another with a new id.
            let from = rng.pick(&chats).clone();
            let slug = format!("new-chat-{step}");
            copy_tree(
                &p.path(&format!("content/channels/{from}")),
                &p.path(&format!("content/channels/{slug}")),
            );
            let path = p.path(&format!("content/channels/{slug}/channel.toml"));
            let text = std::fs::read_to_string(&path).unwrap();
            write_atomic(
                &path,
                &replace_line(
                    &text,
                    "channel_id = ",
                    &format!("channel_id = \"CNEW{step}\""),
                ),
            );
            format!("new chat {slug}")
        }
        11 if chats.len() > 1 => {
            let chat = rng.pick(&chats).clone();
            std::fs::remove_dir_all(p.path(&format!("content/channels/{chat}"))).unwrap();
            removed(&p.path(&format!("content/channels/{chat}")));
            format!("remove chat {chat}")
        }
        12 => {
            let path = p.path("scrollback.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            // A site with a base_url (sitemaps, robots.txt, Atom feeds) sometimes loses it and
            // gets it back: its outputs go and come. (No draw without one: the other seeds keep
            // their sequences.)
            if text.contains("base_url = ") && rng.below(3) == 0 {
                let on = text.contains("\nbase_url = ");
                let text = if on {
                    text.replace("\nbase_url = ", "\n# base_url = ")
                } else {
                    text.replace("\n# base_url = ", "\nbase_url = ")
                };
                write_atomic(&path, &text);
                return format!("base_url {}", if on { "off" } else { "on" });
            }
            // A site with small search segments sometimes turns search off and on: the index
            // and the search page go and come. (No draw without them, as above.)
            if text.contains("segment_size = ") && rng.below(3) == 0 {
                let on = !text.contains("enabled = false");
                let text = if on {
                    text.replace("[search]\n", "[search]\nenabled = false\n")
                } else {
                    text.replace("enabled = false\n", "")
                };
                write_atomic(&path, &text);
                return format!("search {}", if on { "off" } else { "on" });
            }
            let size = [3, 5, 8, 200][rng.below(4)];
            write_atomic(
                &path,
                &replace_line(&text, "page_size = ", &format!("page_size = {size}")),
            );
            format!("page_size {size}")
        }
        13 => {
            // `sync users` keeps an avatar (the one the user file names, so pages show it), or
            // a superseded copy goes.
            let kept: Vec<String> = p.snapshot("content/users/avatars").into_keys().collect();
            if rng.below(3) == 0 && !kept.is_empty() {
                let name = rng.pick(&kept).clone();
                let path = p.path(&format!("content/users/avatars/{name}"));
                std::fs::remove_file(&path).unwrap();
                removed(&path);
                return format!("remove avatar {name}");
            }
            let u = rng.pick(&users).clone();
            let id = scrollback::content::UserId::parse(u.trim_end_matches(".json")).unwrap();
            let user: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(p.path(&format!("content/users/{u}"))).unwrap(),
            )
            .unwrap();
            let Some(stem) =
                scrollback::content::avatar::wanted_stem(&id, user.as_object().unwrap())
            else {
                return format!("no avatar for {u}");
            };
            let png = crate::support::slack_api::png(2 + rng.below(5) as u32, 2);
            let path = p.path(&format!("content/users/avatars/{stem}.png"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let tmp = path.with_extension("tmp-edit");
            std::fs::write(&tmp, &png).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
            // Bytes, not text: reported to the watcher as `removed` reports a path.
            removed(&path);
            format!("keep avatar {stem}")
        }
        _ => "nothing".to_owned(),
    }
}

fn replace_line(text: &str, prefix: &str, line: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with(prefix) {
                line.to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn run(seed: u64, steps: usize, hot: bool) {
    run_with(seed, steps, hot, "");
}

/// [`run`], with more settings at the end of `scrollback.toml` (tables only: after them, a
/// top-level key would land in the last table).
fn run_with(seed: u64, steps: usize, hot: bool, settings: &str) {
    let (zip, _) = synthetic_export(300, 3, 11, false);
    let p = Project::init();
    p.write(
        "scrollback.toml",
        &format!("page_size = 5\ntimezone = \"Europe/Paris\"\n{settings}"),
    );
    p.import(&zip);
    // One chat is live from the start, so live feeds and live pages are always in the mix.
    let first = p.chats()[0].clone();
    let path = p.path(&format!("content/channels/{first}/channel.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    write_atomic(
        &path,
        &text.replace("state = \"archived\"", "state = \"live\""),
    );
    p.build();
    assert!(p.exists(&format!("site/{first}/live.json")));
    // Thread pages are in the comparison: the export has threads, and the random changes add
    // replies (a third of new messages), delete parents and comment-tag replies.
    let thread_pages = |p: &Project| {
        p.snapshot("site")
            .into_keys()
            .filter(|k| k.contains("/thread-"))
            .count()
    };
    assert!(thread_pages(&p) > 0, "no thread pages to compare");
    let mut rng = Rng(seed);
    let mut history = Vec::new();
    // The long-running builder of `watch` and `serve`, fed what the watcher would report.
    let project = scrollback::project::Project::new(std::fs::canonicalize(p.root()).unwrap());
    let mut hot_builder = hot.then(|| {
        let mut b = scrollback::build::SiteBuilder::new(
            &project,
            scrollback::build::Mode::LongLived,
            scrollback::progress::ProgressMode::Quiet,
        );
        b.build(&[scrollback::build::Change::Everything]).unwrap();
        b
    });
    for step in 0..steps {
        let (mut did, mut touched) = random_change(&p, &mut rng, step);
        if rng.below(3) == 0 {
            // Several changes before one build, as a watcher coalesces them.
            let (more, paths) = random_change(&p, &mut rng, step + 1000);
            did = format!("{did}; {more}");
            touched.extend(paths);
        }
        history.push(did);
        match hot_builder.as_mut() {
            Some(builder) => {
                let root = &project.root;
                let mut changes: Vec<_> = touched
                    .iter()
                    .filter_map(|path| {
                        let path = root.join(path.strip_prefix(p.root()).unwrap());
                        scrollback::watch::classify::classify(root, "default", &path)
                    })
                    .collect();
                changes.dedup();
                if !changes.is_empty() {
                    builder
                        .build(&changes)
                        .unwrap_or_else(|e| panic!("seed {seed}, after {history:#?}: {e:#}"));
                }
            }
            None => {
                p.build();
            }
        }
        let incremental = p.snapshot("site");
        let full = p.clean_build();
        if incremental != full {
            let differ: Vec<&String> = incremental
                .keys()
                .chain(full.keys())
                .filter(|k| incremental.get(*k) != full.get(*k))
                .collect();
            let first = differ[0];
            let a = String::from_utf8_lossy(incremental.get(first).map_or(&[][..], |v| v));
            let b = String::from_utf8_lossy(full.get(first).map_or(&[][..], |v| v));
            let at = a
                .bytes()
                .zip(b.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            let around = |t: &str| {
                t.get(at.saturating_sub(300)..(at + 300).min(t.len()))
                    .unwrap_or("")
                    .to_owned()
            };
            panic!(
                "seed {seed} (hot: {hot}), after {history:#?}\nthese outputs differ from a full build: {differ:?}\nincremental {first}: …{}…\nfull: …{}…",
                around(&a),
                around(&b)
            );
        }
    }
    // Replies (new threads' pages, changed ones) were among the changes compared.
    assert!(
        history.iter().any(|did| did.contains("reply ")),
        "seed {seed}: no reply in {history:#?}"
    );
}

#[test]
fn incremental_builds_equal_full_builds_seed_1() {
    run(0x9e3779b97f4a7c15, 30, false);
}

#[test]
fn incremental_builds_equal_full_builds_seed_2() {
    run(0xdeadbeefcafef00d, 30, false);
}

/// The same, with the builder `watch` and `serve` keep in memory, told only what the file
/// watcher would report, classified as `watch` classifies it.
#[test]
fn watch_rebuilds_equal_full_builds_seed_1() {
    run(0x9e3779b97f4a7c15, 30, true);
}

#[test]
fn watch_rebuilds_equal_full_builds_seed_3() {
    run(0x0123456789abcdef, 40, true);
}

/// The paged feed alone (`feed.json` off), where nothing else rewrites a chat's whole feed.
#[test]
fn paged_feed_only_builds_equal_full_builds() {
    run_with(
        0x5851f42d4c957f2d,
        30,
        false,
        "[feeds]\nwhole_chat = false\n",
    );
    run_with(
        0x14057b7ef767814f,
        30,
        true,
        "[feeds]\nwhole_chat = false\n",
    );
}

/// The search index in segments of 20 places (several per chat, so a new message, an edit or a
/// new page size meets old and new segments), search sometimes turned off and on.
#[test]
fn search_index_builds_equal_full_builds() {
    let search = "[search]\nsegment_size = 20\n";
    run_with(0x3c6ef372fe94f82b, 30, false, search);
    run_with(0xa54ff53a5f1d36f1, 30, true, search);
}

/// A `base_url` (before any table): the sitemaps, `robots.txt` and Atom feeds are built too.
const BASE_URL: &str = "base_url = \"https://news.example/chats/\"\n";

/// With a `base_url`: the sitemap index and its children, `robots.txt`, each chat's and the
/// site's Atom feed are compared too, the `base_url` sometimes taken away and given back.
#[test]
fn discoverability_outputs_build_equal_full_builds() {
    run_with(0x6a09e667f3bcc909, 30, false, BASE_URL);
    run_with(0xbb67ae8584caa73b, 30, true, BASE_URL);
}

fn rendered(out: &str) -> usize {
    let at = out.find(" rendered").unwrap_or_else(|| panic!("{out}"));
    let digits: String = out[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// Each kind of change re-renders exactly what depends on it.
#[test]
fn changes_re_render_only_what_depends_on_them() {
    let (zip, _) = synthetic_export(300, 3, 11, false);
    let p = Project::init();
    // The search index counts its own (search::a_new_message_rewrites_only_its_own_segments_buckets).
    p.write(
        "scrollback.toml",
        "page_size = 20\n[search]\nenabled = false\n",
    );
    p.import(&zip).build();
    let chats = p.chats();
    // A chat's pages, or its thread pages (`thread-<ts>.html`).
    let html = |chat: &str, threads: bool| {
        p.snapshot(&format!("site/{chat}"))
            .keys()
            .filter(|k| k.ends_with(".html") && k.starts_with("thread-") == threads)
            .count()
    };
    let all_pages: usize = chats.iter().map(|c| html(c, false)).sum();
    let all_threads: usize = chats.iter().map(|c| html(c, true)).sum();
    assert!(all_threads > 0);

    assert_eq!(rendered(&p.ok(&["build"])), 0, "nothing changed");

    // A new message at the end of a chat: its last page, its two whole feeds, its newest feed
    // page (JSON and JSONP) and feed head (the same), the index.
    let chat = &chats[0];
    let record = serde_json::json!({"ts": "1900000000.000001", "slack": {"type": "message", "user": "U00001000", "text": "breaking", "ts": "1900000000.000001"}});
    write_atomic(
        &p.path(&format!(
            "content/channels/{chat}/messages/1900000000.000001.json"
        )),
        &record.to_string(),
    );
    assert_eq!(rendered(&p.ok(&["build"])), 8);

    // CSS: copied under its plain and its new fingerprinted name; every page links the new
    // name (pages and the index), the feeds stay.
    let css = p.path("themes/default/static/assets/style.css");
    write_atomic(
        &css,
        &(std::fs::read_to_string(&css).unwrap() + "\nbody{color:#111}"),
    );
    let out = p.ok(&["build"]);
    assert_eq!(rendered(&out), 2 + all_pages + all_threads + 1, "{out}");
    // A site without `asset()` in its templates: copied, nothing rendered.
    for name in ["base.html", "chat.html"] {
        let path = p.path(&format!("themes/default/templates/{name}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let plain = text
            .replace("{{ asset(path='assets/style.css') }}", "assets/style.css")
            .replace("{{ asset(path='assets/live.js') }}", "assets/live.js");
        assert_ne!(plain, text, "{name} links its assets with asset()");
        write_atomic(&path, &plain);
    }
    p.build();
    write_atomic(
        &css,
        &(std::fs::read_to_string(&css).unwrap() + "\nbody{color:#222}"),
    );
    let out = p.ok(&["build"]);
    assert_eq!(rendered(&out), 2, "{out}");

    // chat.html: every chat page, not the thread pages, the index or the feeds.
    let chat_html = p.path("themes/default/templates/chat.html");
    write_atomic(
        &chat_html,
        &std::fs::read_to_string(&chat_html)
            .unwrap()
            .replace("{{ t(key=\"chat_archive\") }}", "From the archive"),
    );
    assert_eq!(rendered(&p.ok(&["build"])), all_pages);

    // thread.html: every thread page, nothing else.
    let thread_html = p.path("themes/default/templates/thread.html");
    write_atomic(
        &thread_html,
        &std::fs::read_to_string(&thread_html).unwrap().replace(
            "<h1 class=\"thread-title\">",
            "<h1 class=\"thread-title thread-step\">",
        ),
    );
    assert_eq!(rendered(&p.ok(&["build"])), all_threads);

    // base.html: every page, thread pages and the index too.
    let base = p.path("themes/default/templates/base.html");
    write_atomic(
        &base,
        &std::fs::read_to_string(&base)
            .unwrap()
            .replace("{{ t(key=\"skip_to_content\") }}", "Skip to the chat"),
    );
    assert_eq!(rendered(&p.ok(&["build"])), all_pages + all_threads + 1);

    // A user's new name: the chats they appear in, nothing else.
    let user = serde_json::json!({"id": "UZZZ", "name": "zed", "profile": {"display_name": "Zed"}});
    write_atomic(&p.path("content/users/UZZZ.json"), &user.to_string());
    assert_eq!(rendered(&p.ok(&["build"])), 0, "a user nobody mentions");
    let record = serde_json::json!({"ts": "1900000001.000001", "slack": {"type": "message", "user": "UZZZ", "text": "hi", "ts": "1900000001.000001"}});
    write_atomic(
        &p.path(&format!(
            "content/channels/{chat}/messages/1900000001.000001.json"
        )),
        &record.to_string(),
    );
    p.build();
    let user = serde_json::json!({"id": "UZZZ", "name": "zed", "profile": {"display_name": "Zed Renamed"}});
    write_atomic(&p.path("content/users/UZZZ.json"), &user.to_string());
    let out = p.ok(&["build"]);
    // Their message's page and the chat's feeds: the whole chat's, the page's, the head.
    assert_eq!(rendered(&out), 7, "{out}");
    assert!(
        p.read(&format!("site/{chat}/feed.json"))
            .contains("Zed Renamed")
    );

    // A missing or corrupt cache means a full build, never a wrong one.
    std::fs::write(p.path(".scrollback/build-state.json"), "{ not json").unwrap();
    let before = p.snapshot("site");
    let out = p.ok(&["build"]);
    // Pages, thread pages, the index, two whole feeds and two heads per chat, every feed page (JSON
    // and JSONP), three static files (style.css, live.js, search.js) and their fingerprinted copies.
    let feed_pages = p
        .snapshot("site")
        .keys()
        .filter(|k| k.contains("/feed-page-"))
        .count();
    assert_eq!(
        rendered(&out),
        all_pages + all_threads + 1 + 4 * chats.len() + feed_pages + 6,
        "{out}"
    );
    assert_eq!(p.snapshot("site"), before);
}

/// More sequences, for a longer hunt:
/// `SCROLLBACK_SEEDS=20 cargo test --release --test testsuite incremental::many_seeds -- --ignored`.
#[test]
#[ignore]
fn many_seeds() {
    let n: u64 = std::env::var("SCROLLBACK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    for i in 0..n {
        let seed = 0x2545f4914f6cdd1d_u64.wrapping_mul(i + 1) | 1;
        let settings = if i % 3 == 0 { BASE_URL } else { "" };
        run_with(seed, 40, i % 2 == 0, settings);
    }
}

/// A cold `build` after one new message reads the new file and the messages on the outputs it
/// renders again, not the rest of the chat (issue 15): an old message file is replaced by bytes
/// that are not JSON, with its size, inode and modification time kept, and the build neither
/// reads it nor fails; the outputs equal a clean build's. A build from nothing reads the chat
/// whole, and then the damage is found and named.
#[test]
fn a_cold_build_after_one_new_message_reads_only_what_it_renders() {
    let (zip, _) = synthetic_export(400, 1, 5, false);
    let p = Project::init();
    p.write(
        "scrollback.toml",
        "page_size = 5\nbase_url = \"https://news.example\"\n[feeds]\nwhole_chat = false\npage_size = 5\n\
         [search]\nsegment_size = 50\n",
    );
    p.import(&zip);
    let chat = &p.chats()[0];
    let toml = format!("content/channels/{chat}/channel.toml");
    let settings = p
        .read(&toml)
        .replace("state = \"archived\"", "state = \"live\"");
    p.write(&toml, &settings);
    p.build();
    assert!(p.exists(&format!(".scrollback/build-index/{chat}.bin")));

    // The third top-level message: not the chat's first (its header shows that one's time),
    // on page 1 and in the search index's first docs block and segment, which a new message
    // does not change.
    let messages = p.path(&format!("content/channels/{chat}/messages"));
    let mut files: Vec<_> = std::fs::read_dir(&messages)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let tops: Vec<_> = files
        .iter()
        .filter(|f| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v["slack"]["thread_ts"].is_null() && v["slack"]["subtype"].is_null()
        })
        .collect();
    let old = tops[2].clone();
    let original = std::fs::read(&old).unwrap();
    let meta = std::fs::metadata(&old).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&old).unwrap();
    std::io::Write::write_all(&mut &file, &vec![b'#'; original.len()]).unwrap();
    file.set_modified(meta.modified().unwrap()).unwrap();
    drop(file);
    let ino = |m: &std::fs::Metadata| std::os::unix::fs::MetadataExt::ino(m);
    assert_eq!(ino(&std::fs::metadata(&old).unwrap()), ino(&meta));

    let record = serde_json::json!({"ts": "1900000000.000001", "slack": {"type": "message", "user": "U00001000", "text": "breaking", "ts": "1900000000.000001"}});
    write_atomic(
        &messages.join("1900000000.000001.json"),
        &record.to_string(),
    );
    p.build();
    assert!(
        p.read(&format!("site/{chat}/index.html"))
            .contains("breaking")
    );
    let incremental = p.snapshot("site");

    // A build that reads the chat whole (no state, no index) finds the damage and names it.
    std::fs::remove_dir_all(p.path(".scrollback")).unwrap();
    let err = p.fails(&["build"]);
    let name = old.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains(&name) && err.contains("not a valid message file"),
        "{err}"
    );

    // Mended, and built from nothing: the same bytes as the build that read one file.
    std::fs::write(&old, &original).unwrap();
    std::fs::remove_dir_all(p.path("site")).unwrap();
    p.build();
    assert_eq!(p.snapshot("site"), incremental);
}

/// `watch` and `serve` trust the outputs their builder left (no `stat` of each, issue 15); a
/// `build` run beside them may rewrite those outputs, and the long-lived builder must notice:
/// after the other build's save it compares everything once, so the site ends as a full build
/// makes it.
#[test]
fn a_long_lived_builder_notices_a_build_run_beside_it() {
    let (zip, _) = synthetic_export(120, 1, 21, false);
    let p = Project::init();
    p.write("scrollback.toml", "page_size = 10\n");
    p.import(&zip);
    p.build();
    let chat = p.chats()[0].clone();
    let project = scrollback::project::Project::new(std::fs::canonicalize(p.root()).unwrap());
    let mut hot = scrollback::build::SiteBuilder::new(
        &project,
        scrollback::build::Mode::LongLived,
        scrollback::progress::ProgressMode::Quiet,
    );
    hot.build(&[scrollback::build::Change::Everything]).unwrap();

    // A message the long-lived builder is never told about: the other build puts it on a page.
    let ts = "1900000000.000001";
    let file = p.path(&format!("content/channels/{chat}/messages/{ts}.json"));
    let record = serde_json::json!({"ts": ts, "slack": {"type": "message", "user": "U00001000",
        "text": "only the other build saw this", "ts": ts}});
    write_atomic(&file, &record.to_string());
    p.build();
    assert!(
        p.snapshot("site")
            .values()
            .any(|v| String::from_utf8_lossy(v).contains("only the other build saw this"))
    );

    // Gone again; the long-lived builder is told now. Its own record of the newest page says
    // the page never had the message, but the page on disk does.
    std::fs::remove_file(&file).unwrap();
    let report = hot
        .build(&[scrollback::build::Change::Message(
            scrollback::content::Slug::parse(&chat).unwrap(),
            scrollback::content::Ts::parse(ts).unwrap(),
        )])
        .unwrap();
    assert!(report.rendered > 0, "{report:?}");
    assert_eq!(p.snapshot("site"), p.clean_build());

    // Trusted again: an edit the builder is told of still ends as a full build makes it.
    let (edited, mut message) = message_files(&p)
        .into_iter()
        .map(|rel| {
            let rel = format!("content/channels/{rel}");
            let m: serde_json::Value = serde_json::from_str(&p.read(&rel)).unwrap();
            (rel, m)
        })
        .find(|(_, m)| m["slack"]["subtype"].is_null() && m["slack"]["thread_ts"].is_null())
        .unwrap();
    message["slack"]["text"] = "corrected while watched".into();
    write_atomic(&p.path(&edited), &message.to_string());
    let edited_ts = message["ts"].as_str().unwrap();
    hot.build(&[scrollback::build::Change::Message(
        scrollback::content::Slug::parse(&chat).unwrap(),
        scrollback::content::Ts::parse(edited_ts).unwrap(),
    )])
    .unwrap();
    assert_eq!(p.snapshot("site"), p.clean_build());
}

/// A cold `build` keeps an output only if it is on disk as the last build wrote it: files in
/// `site/` edited or deleted by hand are made again, whether or not their chat changed, thread
/// pages (recorded apart, by ts: issue 15) as much as the rest.
#[test]
fn a_build_makes_again_what_was_edited_or_deleted_in_site() {
    let (zip, _) = synthetic_export(300, 1, 33, false);
    let p = Project::init();
    p.import(&zip);
    p.build();
    let chat = p.chats()[0].clone();
    let threads: Vec<String> = p
        .snapshot(&format!("site/{chat}"))
        .into_keys()
        .filter(|k| k.starts_with("thread-"))
        .map(|k| format!("site/{chat}/{k}"))
        .collect();
    assert!(threads.len() >= 4, "{threads:?}");
    // In place (the same inode), as an editor that overwrites does; and gone.
    let spoil = |edit: &str, delete: &str| {
        std::fs::write(p.path(edit), "edited by hand").unwrap();
        std::fs::remove_file(p.path(delete)).unwrap();
    };

    // Nothing else changed: the chat's other outputs are kept, its spoiled thread pages not.
    spoil(&threads[0], &threads[1]);
    let out = p.ok(&["build"]);
    assert_eq!(p.snapshot("site"), p.clean_build(), "{out}");

    // The same with a chat page, and while the chat changes too (a new message): its thread
    // pages are then planned against the disk one by one.
    spoil(&threads[2], &threads[3]);
    spoil(
        &format!("site/{chat}/page-1.html"),
        &format!("site/{chat}/feed-page-1.json"),
    );
    let ts = "1900000000.000001";
    write_atomic(
        &p.path(&format!("content/channels/{chat}/messages/{ts}.json")),
        &serde_json::json!({"ts": ts, "slack": {"type": "message", "user": "U00001000",
            "text": "one more", "ts": ts}})
        .to_string(),
    );
    let out = p.ok(&["build"]);
    assert_eq!(p.snapshot("site"), p.clean_build(), "{out}");
}
