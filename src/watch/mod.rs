//! `scrollback watch`: build, serve `site/` on loopback, and rebuild on every change.
//!
//! File events are debounced (editors save in bursts: a temporary file, a rename, a metadata
//! touch), classified by [`classify::classify`] into a few kinds, and handed as one batch to the
//! same incremental [`SiteBuilder`] `build` uses, which keeps rendered messages in memory so a
//! change costs what it touches. A failed build never stops the loop: the error is printed and
//! shown over open pages until the next good build.

pub mod classify;
pub mod server;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer_opt};

use crate::build::{BuildReport, SiteBuilder};
use crate::progress::ProgressMode;
use crate::project::Project;
use classify::{ChangeKind, classify};
use server::{DevEvent, DevState};

/// Adds a path to the file watcher.
type AddWatch = Box<dyn FnMut(&Path, RecursiveMode) -> notify::Result<()>>;

/// How `watch` runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub addr: SocketAddr,
    /// Poll the file system every this often instead of waiting for its events (network and
    /// container file systems often send none).
    pub poll: Option<Duration>,
    pub open: bool,
}

/// Watches `project` until interrupted.
pub fn run(project: &Project, options: &WatchOptions) -> Result<()> {
    let mut builder = SiteBuilder::new(project, true, ProgressMode::Auto);
    let state = DevState::new(project.site_dir());
    match builder.build(&[]) {
        Ok(report) => println!("{}", crate::cli::build_summary(&report)),
        Err(e) => {
            crate::cli::print_error(&e);
            state.publish(DevEvent::Error(error_text(&e)));
        }
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the dev server's runtime")?;
    let addr = server::start(&runtime, options.addr, state.clone())?;
    // Announced once the watches are in place, so no change made after the line is missed.
    let announce = || {
        let url = format!("http://{addr}/");
        println!("Serving site/ on {url} (rebuilds on change; Ctrl-C to stop)");
        if options.open {
            open_browser(&url);
        }
    };

    let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            // The build reads what it watches: reads (and atime updates) are not changes.
            let paths: Vec<PathBuf> = events
                .into_iter()
                .filter(|e| is_change(&e.event.kind))
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        }
        Err(errors) => {
            for e in errors {
                tracing::warn!("file watcher: {e}");
            }
        }
    };
    let debounce = Duration::from_millis(50);
    let root = std::fs::canonicalize(&project.root)
        .with_context(|| format!("cannot open {}", project.root.display()))?;
    let theme = builder
        .config()
        .map_or_else(|| "default".to_owned(), |c| c.theme.clone());
    // The debouncer lives inside the closure that adds watches to it.
    let mut watch: AddWatch = match options.poll {
        Some(interval) => {
            let mut debouncer = new_debouncer_opt::<_, notify::PollWatcher, _>(
                debounce,
                None,
                handler,
                notify_debouncer_full::NoCache,
                notify::Config::default().with_poll_interval(interval),
            )?;
            Box::new(move |p, m| debouncer.watch(p, m))
        }
        None => {
            let mut debouncer = new_debouncer_opt::<_, notify::RecommendedWatcher, _>(
                debounce,
                None,
                handler,
                notify_debouncer_full::RecommendedCache::new(),
                notify::Config::default(),
            )?;
            Box::new(move |p, m| debouncer.watch(p, m))
        }
    };
    let mut watched = BTreeSet::new();
    add_watches(&root, &theme, &mut watched, &mut watch)?;
    announce();
    rebuild_loop(
        &root,
        &theme,
        &rx,
        &mut builder,
        &state,
        &mut watch,
        &mut watched,
    )
}

/// Watches what the site is made of (not `site/`, `.scrollback/` or, in this repository,
/// `target/`): the config, `content/`, the active theme, the site's templates and static files.
fn add_watches(
    root: &Path,
    theme: &str,
    watched: &mut BTreeSet<PathBuf>,
    mut watch: impl FnMut(&Path, RecursiveMode) -> notify::Result<()>,
) -> Result<()> {
    if watched.insert(root.to_path_buf()) {
        watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
    }
    for sub in [
        "content".to_owned(),
        format!("themes/{theme}"),
        "templates".to_owned(),
        "static".to_owned(),
    ] {
        let path = root.join(sub);
        if path.is_dir() && !watched.contains(&path) {
            watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", path.display()))?;
            watched.insert(path);
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rebuild_loop(
    root: &Path,
    theme: &str,
    rx: &mpsc::Receiver<Vec<PathBuf>>,
    builder: &mut SiteBuilder,
    state: &DevState,
    mut watch: impl FnMut(&Path, RecursiveMode) -> notify::Result<()>,
    watched: &mut BTreeSet<PathBuf>,
) -> Result<()> {
    let mut failing = state.error.lock().map(|e| e.is_some()).unwrap_or(false);
    while let Ok(mut paths) = rx.recv() {
        // Take everything that is already queued: one rebuild per burst.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        let kinds: BTreeSet<ChangeKind> = paths
            .iter()
            .filter_map(|p| classify(root, theme, p))
            .collect();
        if kinds.is_empty() {
            continue;
        }
        if kinds.contains(&ChangeKind::Config) {
            // A new theme or new site folders: watch them too.
            add_watches(root, theme, watched, &mut watch)?;
        }
        let changes: Vec<_> = kinds.iter().map(ChangeKind::to_change).collect();
        let started = Instant::now();
        let what = describe(&kinds);
        match builder.build(&changes) {
            Ok(report) => {
                println!("{}", rebuild_line(&what, &report, started.elapsed()));
                let only_css = !report.written.is_empty()
                    && report.written.iter().all(|p| p.ends_with(".css"));
                if only_css && !failing {
                    state.publish(DevEvent::Css);
                } else if !report.written.is_empty() || !report.removed.is_empty() || failing {
                    state.publish(DevEvent::Reload);
                }
                failing = false;
            }
            Err(e) => {
                eprintln!("{what}: build failed");
                crate::cli::print_error(&e);
                state.publish(DevEvent::Error(error_text(&e)));
                failing = true;
            }
        }
    }
    let _ = builder.save_state();
    Ok(())
}

fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, MetadataKind, ModifyKind};
    !matches!(
        kind,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))
    )
}

fn describe(kinds: &BTreeSet<ChangeKind>) -> String {
    let mut names: Vec<String> = kinds.iter().take(3).map(ChangeKind::describe).collect();
    if kinds.len() > 3 {
        names.push(format!("{} more", kinds.len() - 3));
    }
    names.join(", ")
}

/// One line per rebuild: what changed, what it did, how long it took.
fn rebuild_line(what: &str, report: &BuildReport, took: Duration) -> String {
    format!(
        "{what}: {} rendered, {} written, {} removed in {}",
        report.rendered,
        report.written.len(),
        report.removed.len(),
        crate::human::seconds(took.as_secs_f64())
    )
}

/// The error chain as the overlay shows it.
fn error_text(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n  caused by: ")
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        println!("(could not start a browser: open {url} yourself)");
    }
}
