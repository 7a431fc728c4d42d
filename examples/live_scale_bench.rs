//! What one new message and one edited message cost in the biggest chat of a built project
//! (issue 15: constant work per message however long the chat): rebuild time, bytes written to
//! `site/` and which files, for the long-lived builder of `watch` and `serve` and for a cold
//! `build`; and the two new messages around a page boundary (the newest page filling, then a
//! new page starting), the costliest of all. Run by `scripts/bench-live-scale` on live chats of
//! 1k, 10k and 100k messages.
//! Changes are undone at the end.
//!
//! Usage: live_scale_bench PROJECT_DIR   (after `scrollback -C PROJECT_DIR build`)

use std::time::Instant;

use scrollback::build::{BuildReport, Change, Mode, SiteBuilder};
use scrollback::content::Ts;
use scrollback::progress::ProgressMode;
use scrollback::project::Project;

mod bench_support;

// The allocator the `scrollback` binary uses (src/main.rs): its figures are what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: live_scale_bench PROJECT_DIR");
    let project = Project::new(std::fs::canonicalize(&dir)?);
    let store = project.open_store()?;
    let slug = bench_support::biggest_chat(&store)?;
    let layout = store.layout();
    let mut hot = SiteBuilder::new(&project, Mode::LongLived, ProgressMode::Quiet);
    hot.build(&[Change::Everything])?;

    // (a) One new message at the end of the chat.
    let ts = Ts::parse("1999999999.000001")?;
    let path = bench_support::write_message(&store, &slug, &ts)?;
    let change = [Change::Message(slug.clone(), ts.clone())];
    // For a profiler (`perf record`): only new messages, one after another, each followed by
    // a rebuild, as a live chat grows (all removed at the end).
    if let Some(rounds) = std::env::var("LIVE_SCALE_ROUNDS")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
    {
        // LIVE_SCALE_COLD=1: the cold `build` after each new message instead.
        let cold = std::env::var_os("LIVE_SCALE_COLD").is_some();
        hot.build(&change)?;
        hot.save_state()?;
        let mut added = vec![path.clone()];
        let clock = Clock::start();
        for round in 1..=rounds {
            let ts = Ts::parse(&format!("1999999999.{:06}", round + 1))?;
            let path = bench_support::write_message(&store, &slug, &ts)?;
            added.push(path);
            if cold {
                SiteBuilder::new(&project, Mode::Cold, ProgressMode::Quiet)
                    .build(&[Change::Everything])?;
            } else {
                hot.build(&[Change::Message(slug.clone(), ts)])?;
            }
        }
        println!("{rounds} rebuilds: {}", clock.each(rounds));
        for path in added {
            std::fs::remove_file(&path)?;
        }
        SiteBuilder::new(&project, Mode::Cold, ProgressMode::Quiet).build(&[Change::Everything])?;
        return Ok(());
    }
    show(
        "new message, watch/serve",
        timed(|| hot.build(&change))?,
        &project,
    );
    std::fs::remove_file(&path)?;
    hot.build(&change)?;
    bench_support::write_message(&store, &slug, &ts)?;
    let mut cold = SiteBuilder::new(&project, Mode::Cold, ProgressMode::Quiet);
    show(
        "new message, cold build",
        timed(|| cold.build(&[Change::Everything]))?,
        &project,
    );
    std::fs::remove_file(&path)?;
    hot.build(&change)?;

    // (b) One edited top-level message in the middle of the chat.
    let files = scrollback::build::chat::messages::list_messages(&layout.messages_dir(&slug))?;
    let middle = files
        .values()
        .skip(files.len() / 2)
        .find_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            let thread = &v["slack"]["thread_ts"];
            let said = v["slack"]["text"].as_str().unwrap_or("").trim_start();
            // Published as it is, so the edit changes its text, not whether it shows.
            let plain = v["slack"]["subtype"].is_null()
                && (thread.is_null() || *thread == v["slack"]["ts"])
                && v["deleted"].is_null()
                && v["hidden"].is_null()
                && !said.starts_with("&lt;#&gt;")
                && !said.starts_with("<#>");
            plain.then(|| (p.clone(), text, v))
        })
        .expect("a plain top-level message after the middle");
    let (path, before, mut v) = middle;
    let ts = Ts::parse(v["ts"].as_str().unwrap_or_default())?;
    v["slack"]["text"] = "Corrected by the desk.".into();
    if let Some(m) = v["slack"].as_object_mut() {
        m.remove("blocks");
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&v)?)?;
    let change = [Change::Message(slug.clone(), ts)];
    show(
        "edit in the middle, watch/serve",
        timed(|| hot.build(&change))?,
        &project,
    );
    std::fs::write(&path, &before)?;
    hot.build(&change)?;
    std::fs::write(&path, serde_json::to_vec_pretty(&v)?)?;
    let mut cold = SiteBuilder::new(&project, Mode::Cold, ProgressMode::Quiet);
    show(
        "edit in the middle, cold build",
        timed(|| cold.build(&[Change::Everything]))?,
        &project,
    );
    std::fs::write(&path, &before)?;
    hot.build(&change)?;
    // LIVE_SCALE_EDIT_ROUNDS=N: only that edit, made and undone N times in turn, each followed
    // by a rebuild of the long-lived builder (for timing: one edit is one sample).
    if let Some(rounds) = std::env::var("LIVE_SCALE_EDIT_ROUNDS")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
    {
        let edited = serde_json::to_vec_pretty(&v)?;
        let clock = Clock::start();
        for round in 0..rounds {
            let text: &[u8] = if round % 2 == 0 {
                &edited
            } else {
                before.as_bytes()
            };
            std::fs::write(&path, text)?;
            hot.build(&change)?;
        }
        println!("{rounds} edits: {}", clock.each(rounds));
        std::fs::write(&path, &before)?;
        hot.build(&change)?;
        return Ok(());
    }

    // (c) A page boundary: new messages one after another until the newest HTML page is full
    // and the next message starts a page. These two cost the most of any new message: the first
    // rewrites a full page, the second also the pages whose page lists now show the new one.
    // Then on through the whole next page, so every place of a page is measured once.
    let pages = |site: &std::path::Path| {
        std::fs::read_dir(site.join(slug.as_str()))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| {
                        let name = e.file_name();
                        let name = name.to_string_lossy();
                        name.starts_with("page-") && name.ends_with(".html")
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    let site = project.root.join("site");
    let first_new_page = pages(&site) + 1;
    let mut next_page = format!("{slug}/page-{first_new_page}.html");
    let mut added = Vec::new();
    let mut filled = None;
    // What each of them wrote: the bound must hold for every new message, not the first.
    let mut written = Vec::new();
    for n in 1..=10_000 {
        let ts = Ts::parse(&format!("1999999990.{n:06}"))?;
        let path = bench_support::write_message(&store, &slug, &ts)?;
        added.push((path, ts.clone()));
        let built = timed(|| hot.build(&[Change::Message(slug.clone(), ts)]))?;
        written.push(built.1.bytes_written);
        if built.1.written.contains(&next_page) {
            if !next_page.ends_with(&format!("-{first_new_page}.html")) {
                break;
            }
            if let Some(filled) = filled.take() {
                show(
                    "new message that fills the newest page, watch/serve",
                    filled,
                    &project,
                );
            }
            show(
                "new message that starts a page, watch/serve",
                built,
                &project,
            );
            next_page = format!("{slug}/page-{}.html", first_new_page + 1);
            continue;
        }
        filled = Some(built);
    }
    written.sort_unstable();
    if let Some(max) = written.last() {
        const BOUND: u64 = 300_000;
        let over = written.iter().filter(|b| **b > BOUND).count();
        println!(
            "the {} new messages to the page boundary and through the next page: median {} bytes written, max {max}; {over} ({:.0}%) over {BOUND}",
            written.len(),
            written[written.len() / 2],
            100.0 * over as f64 / written.len() as f64
        );
    }
    let mut undone = Vec::new();
    for (path, ts) in added {
        std::fs::remove_file(&path)?;
        undone.push(Change::Message(slug.clone(), ts));
    }
    hot.build(&undone)?;
    Ok(())
}

fn timed(
    build: impl FnOnce() -> anyhow::Result<BuildReport>,
) -> anyhow::Result<(f64, BuildReport)> {
    let t = Instant::now();
    let report = build()?;
    Ok((t.elapsed().as_secs_f64(), report))
}

/// Prints the build's time, what it wrote, and what a deploy uploads: S3 uploads every changed
/// file (the deploy compares each with the bucket's copy), Netlify one file per distinct content
/// (it asks only for digests it lacks).
fn show(what: &str, (seconds, report): (f64, BuildReport), project: &Project) {
    let site = project.root.join("site");
    let mut distinct = std::collections::HashMap::new();
    let files: Vec<String> = report
        .written
        .iter()
        .map(|w| {
            let bytes = std::fs::read(site.join(w)).unwrap_or_default();
            let kb = bytes.len() / 1024;
            distinct.insert(content_key(&bytes), bytes.len());
            format!("{w} ({kb} KB)")
        })
        .collect();
    println!(
        "{what}: {:.1} ms, {} bytes written in {} files; a deploy uploads {} bytes to S3, {} to Netlify: {}",
        seconds * 1000.0,
        report.bytes_written,
        report.written.len(),
        report.bytes_written,
        distinct.values().sum::<usize>(),
        files.join(", ")
    );
}

/// A content key for telling identical files apart (not a security hash).
fn content_key(bytes: &[u8]) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    (bytes.len(), h.finish())
}

/// CPU time (user and system) this process has used, in milliseconds, where Linux says: on a
/// shared machine it swings less than wall time, for comparing two builds of the builder.
/// Wall and CPU time since it started, for rounds of rebuilds.
struct Clock {
    wall: Instant,
    cpu: Option<f64>,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            cpu: cpu_ms(),
            wall: Instant::now(),
        }
    }

    /// "X ms each (Y ms of CPU)" over `rounds`.
    fn each(&self, rounds: usize) -> String {
        let rounds = rounds.max(1) as f64;
        let cpu = cpu_ms().zip(self.cpu).map(|(after, before)| after - before);
        format!(
            "{:.1} ms each{}",
            self.wall.elapsed().as_secs_f64() * 1000.0 / rounds,
            cpu.map(|ms| format!(" ({:.1} ms of CPU)", ms / rounds))
                .unwrap_or_default()
        )
    }
}

fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(ticks * 10.0)
}
