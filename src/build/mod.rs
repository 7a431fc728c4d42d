//! `scrollback build`: the content tree and a theme in, `site/` out.
//!
//! The build is the only writer of `site/`. It works chat by chat (so memory stays bounded by the
//! largest chat, not the whole archive), renders in parallel, writes a file only when its bytes
//! changed, and removes outputs that are no longer produced. The same inputs always give the same
//! bytes: nothing depends on the clock, the machine or the order of the file system.

pub mod chat;
pub mod directory;
pub mod feeds;
pub mod markdown;
pub mod output;
pub mod pages;
pub mod theme;
pub mod urls;
pub mod view;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::content::ChatState;
use crate::progress::{Progress, ProgressMode};
use crate::project::Project;
use crate::render::RenderOptions;
use directory::Directory;
use output::SiteWriter;
use pages::{ChatSummary, SiteView};
use theme::Theme;
use urls::LinkBase;
use view::ViewContext;

/// What a build did.
#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub chats: usize,
    pub messages: usize,
    pub pages: usize,
    /// Site-relative paths rewritten.
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
    pub bytes_written: u64,
    pub seconds: f64,
}

pub fn build(project: &Project, progress: ProgressMode) -> Result<BuildReport> {
    let started = Instant::now();
    let config = project.load_config()?;
    let tz = config.time_zone()?;
    let theme = Theme::load(project, &config.theme)?;
    let store = project.open_store()?;
    let chats = store.load_channels()?;
    let link = LinkBase::new(config.base_url());

    let mut directory = Directory {
        people: Directory::load_people(&store.users_dir())?,
        ..Directory::default()
    };
    directory.add_channels(&chats, |c| link.chat_from_chat(&c.slug));
    let mut static_copies: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (name, rel, path) in assets_in(&store.root().join("emoji"), "emoji")? {
        directory
            .emoji
            .insert(name, format!("{}{rel}", link.from_chat));
        static_copies.push((rel, path));
    }
    let mut hosted: HashMap<String, (String, bool)> = HashMap::new();
    for (name, rel, path) in assets_in(&store.root().join("files"), "files")? {
        // content/files/<FILE_ID>/<name>
        let id = rel.split('/').nth(1).unwrap_or(&name).to_owned();
        let image = is_image(&rel);
        hosted.insert(
            id,
            (format!("{}{}", link.from_chat, encode_path(&rel)), image),
        );
        static_copies.push((rel, path));
    }

    let render = RenderOptions {
        timezone: tz.clone(),
    };
    let cx = ViewContext {
        directory: &directory,
        render: &render,
        tz: &tz,
        hosted_files: &hosted,
    };
    let mut extra = theme.manifest.extra.clone();
    for (k, v) in &config.extra {
        extra.insert(k.clone(), v.clone());
    }
    let site = SiteView {
        title: config.title.clone(),
        description: config.description.clone(),
        base_url: config.base_url().to_owned(),
        language: config.language.clone(),
        extra,
    };

    let writer = SiteWriter::new(&project.site_dir());
    let mut report = BuildReport::default();
    let published: Vec<_> = chats
        .iter()
        .filter(|c| c.settings.state.is_published())
        .collect();
    let bar = Progress::new(progress, "building", published.len() as u64);
    let mut summaries = Vec::with_capacity(published.len());
    for entry in published {
        let records = chat::read_messages(&store.messages_dir(&entry.slug))?;
        let assembled = chat::assemble(&records, &config, &cx);
        drop(records);
        let pages = pages::paginate(&assembled.messages, config.page_size);
        let url = format!("{}{}/", link.from_root, entry.slug);
        let summary = ChatSummary::new(
            entry,
            &assembled.messages,
            assembled.count,
            pages.len(),
            url,
        );
        let total = pages.len();
        pages
            .par_iter()
            .enumerate()
            .map(|(i, messages)| {
                let (path, bytes) = pages::render_chat_page(
                    &theme,
                    &site,
                    &config,
                    &summary,
                    &entry.slug,
                    messages,
                    i + 1,
                    total,
                )?;
                writer.put(&path, &bytes)
            })
            .collect::<Result<()>>()?;
        let json = feeds::feed_json(&summary, &assembled.messages);
        writer.put(
            &format!("{}/feed.jsonp", entry.slug),
            &feeds::jsonp(&config.feed_callback, &json),
        )?;
        writer.put(&format!("{}/feed.json", entry.slug), &json)?;
        report.chats += 1;
        report.messages += assembled.count;
        report.pages += total;
        summaries.push(summary);
        bar.inc(1);
    }
    bar.finish();

    // Live chats first, then the most recent.
    summaries.sort_by(|a, b| {
        let live = |s: &ChatSummary| s.state != ChatState::Live.as_str();
        live(a)
            .cmp(&live(b))
            .then_with(|| {
                let last = |s: &ChatSummary| s.last.as_ref().map_or(0, |t| t.epoch);
                last(b).cmp(&last(a))
            })
            .then_with(|| a.slug.cmp(&b.slug))
    });
    writer.put(
        "index.html",
        &pages::render_index(&theme, &site, &config, &summaries)?,
    )?;
    report.pages += 1;

    for (rel, src) in &theme.static_files {
        writer.put(rel, &src.read()?)?;
    }
    for (rel, path) in &static_copies {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        writer.put(rel, &bytes)?;
    }

    report.removed = writer.prune()?;
    report.written = writer.written();
    report.unchanged = writer.unchanged();
    report.bytes_written = writer.bytes_written();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Files under `dir` as (name without extension, site path `<prefix>/<rel>`, source path). Only
/// names that are safe in a URL and a path are taken; others are skipped.
fn assets_in(dir: &Path, prefix: &str) -> Result<Vec<(String, String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        let rel = rel.replace('\\', "/");
        if rel.split('/').any(|c| c.starts_with('.') || c.is_empty()) {
            continue;
        }
        let name = entry
            .path()
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        out.push((name, format!("{prefix}/{rel}"), entry.into_path()));
    }
    Ok(out)
}

fn is_image(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Percent-encodes what a URL path cannot hold as is (uploads have spaces and Unicode names).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
