//! `scrollback watch`: build, serve `site/` on loopback, and rebuild on every change. With
//! `--drafts`, the same for a preview that shows draft chats too (see [`BuildTarget`]).
//!
//! File events are debounced (editors save in bursts: a temporary file, a rename, a metadata
//! touch), classified by [`classify::classify`] into a few kinds, and handed as one round to the
//! [`HotBuilder`] (the long-lived builder `serve` uses too), which keeps rendered messages in
//! memory so a change costs what it touches. A failed build never stops the loop: the error is
//! reported and shown over open pages until the next good build. What the person running it reads
//! goes through the caller's [`Reporter`]: this module prints nothing.

pub mod classify;
pub mod server;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use anyhow::{Context, Result};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer_opt};

use crate::build::hot_builder::{Rebuild, RoundTiming, gather_round};
use crate::build::{BuildReport, BuildTarget, Change, HotBuilder};
use crate::progress::ProgressMode;
use crate::project::Project;
use classify::classify;
use server::{DevEvent, DevState};

/// Adds a path to the file watcher.
type AddWatch = Box<dyn FnMut(&Path, RecursiveMode) -> notify::Result<()>>;

/// What `watch` tells the person running it.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// The dev server is up at this URL and every watch is in place.
    Serving(&'a str),
    /// A build finished; `changes` is what it was for (`[Change::Everything]`: the first).
    Built {
        changes: &'a [Change],
        report: &'a BuildReport,
    },
    Failed {
        changes: &'a [Change],
        error: &'a anyhow::Error,
    },
    /// `--open` could not start a browser.
    NoBrowser(&'a str),
}

/// Receives what `watch` has to say (the command line prints it).
pub type Reporter = Arc<dyn Fn(WatchEvent<'_>) + Send + Sync>;

/// How `watch` runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub addr: SocketAddr,
    /// Poll the file system every this often instead of waiting for its events (network and
    /// container file systems often send none).
    pub poll: Option<Duration>,
    pub open: bool,
    /// Preview draft chats too: build into `.scrollback/preview/` (never `site/`) and serve
    /// that.
    pub drafts: bool,
}

/// Watches `project` until interrupted.
pub fn run(project: &Project, options: &WatchOptions, reporter: Reporter) -> Result<()> {
    // A config that does not load yet is the first build's error to show; the policy is then
    // scrollback's own.
    let csp = match project.load_config() {
        Ok(config) => config.page_csp().map(str::to_owned),
        Err(_) => Some(crate::site_files::PAGE_CSP.to_owned()),
    };
    let target = if options.drafts {
        BuildTarget::draft_preview(project)
    } else {
        BuildTarget::site(project)
    };
    let state = DevState::new(target.dir.clone(), csp);
    let mut builder = HotBuilder::with_target(project, target, ProgressMode::Auto)
        .after_build(after_build(state.clone(), reporter.clone()));
    builder.rebuild(&[Change::Everything]);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the dev server's runtime")?;
    let addr = server::start(&runtime, options.addr, state.clone())?;
    // Announced once the watches are in place, so no change made after the line is missed.
    let announce = || {
        let url = format!("http://{addr}/");
        reporter(WatchEvent::Serving(&url));
        if options.open && !open_browser(&url) {
            reporter(WatchEvent::NoBrowser(&url));
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
    rebuild_loop(&root, &theme, &rx, &mut builder, &mut watch, &mut watched)
}

/// After each build: tell the person, and tell open pages to swap stylesheets, reload, or show
/// the error.
fn after_build(state: Arc<DevState>, reporter: Reporter) -> crate::build::hot_builder::AfterBuild {
    Box::new(move |rebuild: &Rebuild<'_>| match rebuild.result {
        Ok(report) => {
            reporter(WatchEvent::Built {
                changes: rebuild.changes,
                report,
            });
            if only_css(rebuild.changes, &report.written) && !rebuild.after_failure {
                state.publish(DevEvent::Css);
            } else if report.changed_site() || rebuild.after_failure {
                state.publish(DevEvent::Reload);
            }
        }
        Err(error) => {
            reporter(WatchEvent::Failed {
                changes: rebuild.changes,
                error,
            });
            state.publish(DevEvent::Error(error_text(error)));
        }
    })
}

/// Whether open pages need only their style sheets swapped: style sheets were all that changed.
/// Pages are rewritten with them when they link the sheets by fingerprinted name; those pages
/// differ only in that name, which the swap takes from the rewritten page.
fn only_css(changes: &[Change], written: &[String]) -> bool {
    let statics_only = changes
        .iter()
        .all(|c| matches!(c, Change::Static(path) if path.ends_with(".css")));
    written.iter().any(|p| p.ends_with(".css"))
        && written
            .iter()
            .all(|p| p.ends_with(".css") || (statics_only && p.ends_with(".html")))
}

/// Watches what the site is made of (not `site/`, `.scrollback/` or, in this repository,
/// `target/`): the config, `content/`, the active theme, the site's templates, static files and
/// translations.
/// Run again each round, it watches such folders created since (a `static/` or `templates/` added
/// while `watch` runs, issue 12) and forgets those removed, so a re-created one is watched again.
/// Returns whether it watched a folder it did not watch before.
fn add_watches(
    root: &Path,
    theme: &str,
    watched: &mut BTreeSet<PathBuf>,
    mut watch: impl FnMut(&Path, RecursiveMode) -> notify::Result<()>,
) -> Result<bool> {
    watched.retain(|path| path.is_dir());
    if watched.insert(root.to_path_buf()) {
        watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
    }
    let mut added = false;
    for sub in [
        "content".to_owned(),
        format!("themes/{theme}"),
        "templates".to_owned(),
        "static".to_owned(),
        "i18n".to_owned(),
    ] {
        let path = root.join(sub);
        if path.is_dir() && !watched.contains(&path) {
            watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", path.display()))?;
            watched.insert(path);
            added = true;
        }
    }
    Ok(added)
}

fn rebuild_loop(
    root: &Path,
    theme: &str,
    rx: &mpsc::Receiver<Vec<PathBuf>>,
    builder: &mut HotBuilder,
    mut watch: impl FnMut(&Path, RecursiveMode) -> notify::Result<()>,
    watched: &mut BTreeSet<PathBuf>,
) -> Result<()> {
    // The debouncer already waited for the burst to end: take what is queued, no more.
    let timing = RoundTiming {
        settle: Duration::ZERO,
        max: Duration::ZERO,
    };
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        gather_round(rx, &mut batches, timing);
        let mut changes: BTreeSet<Change> = batches
            .iter()
            .flatten()
            .filter_map(|p| classify(root, theme, p))
            .collect();
        // A folder that appeared (a new theme in the config, a `static/` made by hand): what was
        // written into it before its watch began raised no event, so everything is looked at.
        if add_watches(root, theme, watched, &mut watch)? {
            changes.insert(Change::Everything);
        }
        if changes.is_empty() {
            continue;
        }
        builder.rebuild(&changes.into_iter().collect::<Vec<_>>());
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

/// The error chain as the overlay shows it.
fn error_text(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n  caused by: ")
}

/// Opens `url` in the default browser; false when none could be started.
fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener).arg(url).spawn().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_style_sheet_change_swaps_sheets_even_when_pages_take_its_new_name() {
        let written = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let sheet = || Change::Static("static/assets/style.css".into());
        let css = written(&["assets/style.css", "assets/style.0123456789.css"]);
        assert!(only_css(&[sheet()], &css));
        let with_pages = written(&["assets/style.0123456789.css", "index.html", "a/index.html"]);
        assert!(only_css(&[sheet()], &with_pages));
        // Pages rewritten for anything else, or a script, need a reload.
        let template = Change::Theme("templates/chat.html".into());
        assert!(!only_css(&[sheet(), template], &with_pages));
        let script = Change::Static("static/assets/live.js".into());
        assert!(!only_css(
            &[script],
            &written(&["assets/live.0123456789.js", "a/index.html"])
        ));
        // A static page changed with a style sheet: the page must be reloaded.
        let page = Change::Static("static/about.html".into());
        assert!(!only_css(&[sheet(), page], &with_pages));
        assert!(!only_css(&[sheet()], &written(&["a/index.html"])));
        assert!(!only_css(&[sheet()], &[]));
    }
}
