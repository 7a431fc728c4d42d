//! `scrollback build`: the content tree and a theme in, `site/` out. See [`site`] for how it
//! stays incremental.
//!
//! The build is the only writer of `site/`. It works chat by chat (so memory stays bounded by the
//! largest chat, not the whole archive), renders in parallel, writes a file only when its bytes
//! changed, and removes outputs that are no longer produced. The same inputs always give the same
//! bytes: nothing depends on the clock, the machine or the order of the file system.

pub mod chat;
pub mod deps;
pub mod directory;
pub mod feeds;
pub mod live;
pub mod markdown;
pub mod output;
pub mod pages;
pub mod signature;
pub mod site;
pub mod state;
pub mod theme;
pub mod urls;
pub mod view;

use std::path::Path;

use anyhow::{Context, Result};

use crate::content::{Slug, Ts};
use crate::progress::ProgressMode;
use crate::project::Project;
pub use site::SiteBuilder;

/// What a build did.
#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub chats: usize,
    /// Published messages in the chats built.
    pub messages: usize,
    /// Messages read and rendered in this build (the rest were unchanged).
    pub messages_rendered: usize,
    /// Outputs rendered in this build.
    pub rendered: usize,
    /// Site-relative paths rewritten (rendered with new bytes).
    pub written: Vec<String>,
    /// Outputs left as they were.
    pub unchanged: usize,
    pub removed: Vec<String>,
    pub bytes_written: u64,
    pub seconds: f64,
}

impl BuildReport {
    /// Adds the outputs of a part of the build (one chat) to this report.
    fn absorb(&mut self, part: BuildReport) {
        self.chats += part.chats;
        self.messages += part.messages;
        self.messages_rendered += part.messages_rendered;
        self.rendered += part.rendered;
        self.written.extend(part.written);
        self.unchanged += part.unchanged;
        self.removed.extend(part.removed);
        self.bytes_written += part.bytes_written;
    }
}

/// A change the caller knows about, for a rebuild of just what depends on it. An empty list
/// means "check everything".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// Anything may have changed: compare every input.
    Everything,
    /// `scrollback.toml`.
    Config,
    /// A template or `theme.toml` of the theme, or a template of the site.
    Theme,
    /// A static file of the theme or the site (stylesheets, scripts, images).
    Static,
    /// `content/users/<id>.json`.
    User(String),
    /// A chat's `channel.toml`, or the chat folder itself (created or removed).
    Chat(Slug),
    /// One message file.
    Message(Slug, Ts),
    /// Custom emoji or re-hosted files.
    Assets,
}

/// A full `scrollback build`: everything is checked; only what changed since the last build is
/// rendered, and only files whose bytes changed are written.
pub fn build(project: &Project, progress: ProgressMode) -> Result<BuildReport> {
    SiteBuilder::new(project, false, progress).build(&[])
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
