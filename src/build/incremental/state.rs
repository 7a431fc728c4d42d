//! What the last build saw and wrote, kept in `.scrollback/build-state.json` so the next
//! `scrollback build` re-renders only what changed.
//!
//! The file is a cache: deleting it, or a version mismatch, or any damage, means a full build
//! (whose output is byte-identical), never a wrong one. Every kept output is also checked against
//! the file on disk, so hand-edited or deleted files in `site/` are rewritten.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::deps::Deps;
use crate::build::outputs::atom::EntryKey;
use crate::build::outputs::pages::ChatSummary;
use crate::build::outputs::sitemap::SitemapRef;
use crate::file_stamp::Stamp;
use crate::fsio;

/// Bump when the state's meaning changes; a mismatch means a full build.
const FORMAT: u32 = 6;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BuildState {
    pub format: u32,
    /// The scrollback version that wrote it.
    pub version: String,
    /// Signature of the config and the theme's settings (and this version).
    pub global: u64,
    pub users: BTreeMap<String, Stamp>,
    /// Chat directory for mentions: channel id → (name, page URL).
    pub channels: BTreeMap<String, (String, Option<String>)>,
    pub emoji: BTreeMap<String, String>,
    /// Kept avatars: stem → site URL.
    #[serde(default)]
    pub avatars: BTreeMap<String, String>,
    pub hosted: BTreeMap<String, crate::build::chat::view::HostedFile>,
    /// Published chats, by slug.
    pub chats: BTreeMap<String, ChatRecord>,
    /// Site-relative path → what it was made from and how it looked when written.
    pub outputs: BTreeMap<String, OutputRecord>,
}

/// One published chat as last built.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatRecord {
    pub settings: Option<Stamp>,
    /// The chat's message files as last read: a signature of each one's ts and stamp, in ts
    /// order. A cold build only asks whether any file changed (if one did, the whole chat is read
    /// again), so one number serves where a stamp per file would cost a million entries in
    /// memory and on disk for a million-message project.
    pub files: u64,
    /// Names its messages looked up.
    pub deps: Deps,
    /// Signature of what every page of the chat shares (config, templates, header).
    pub context: u64,
    pub summary: ChatSummary,
    /// Its outputs, site-relative.
    pub outputs: Vec<String>,
    /// What the site's sitemap index and Atom feed take from it.
    pub discovery: ChatDiscovery,
}

/// What the site-wide sitemap index and Atom feed need from a chat, so a chat that did not
/// change is not read again for them. Empty without a `base_url`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChatDiscovery {
    /// Its child sitemaps.
    pub sitemaps: Vec<SitemapRef>,
    /// The entries of its `atom.xml`, in order (newest first).
    pub entries: Vec<EntryKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub sig: u64,
    pub stamp: Stamp,
}

impl BuildState {
    /// Reads the state; anything unreadable or from another version is an empty state.
    pub fn load(path: &Path) -> BuildState {
        let state: Option<BuildState> = fsio::read_optional(path)
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        match state {
            Some(s) if s.format == FORMAT && s.version == env!("CARGO_PKG_VERSION") => s,
            Some(_) => {
                tracing::info!("{} is from another version: full build", path.display());
                BuildState::default()
            }
            None => BuildState::default(),
        }
    }

    pub fn save(&mut self, path: &Path) -> anyhow::Result<()> {
        self.format = FORMAT;
        self.version = env!("CARGO_PKG_VERSION").to_owned();
        let bytes = serde_json::to_vec(self)?;
        fsio::write_atomic(path, &bytes)
    }

    /// Whether the output at `rel` was made from `sig` and is still on disk as written.
    pub fn is_current(&self, site: &Path, rel: &str, sig: u64) -> bool {
        self.outputs
            .get(rel)
            .is_some_and(|o| o.sig == sig && Stamp::read(&site.join(rel)) == Some(o.stamp))
    }
}
