//! Noticing what changed since the last build among the names messages look up: users, chats
//! (their names and pages, for mentions), custom emoji, kept avatars and re-hosted files. Each refresh updates
//! the builder's [`Names`] and notes the changed names in a [`Deps`], so only messages that
//! looked one up are rendered again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, Result};

use super::SiteBuilder;
use super::chat_build::ChatCache;
use crate::build::ChangeSet;
use crate::build::chat::names::{Names, Person};
use crate::build::chat::view::HostedFile;
use crate::build::incremental::deps::Deps;
use crate::build::outputs::urls::{AVATARS_DIR, EMOJI_DIR, FILES_DIR};
use crate::content::uploads::UploadPart;
use crate::content::{ChannelEntry, ContentLayout, Slug, UserId, avatar};
use crate::file_stamp::Stamp;

impl SiteBuilder {
    /// Reloads users that changed; notes their ids.
    pub(super) fn refresh_users(&mut self, set: &ChangeSet, changed: &mut Deps) -> Result<()> {
        let layout = self.project.content_layout();
        let dir = layout.users_dir();
        if !self.people_loaded || set.everything {
            let stamps = stamp_dir(&dir, "json")?;
            let previous = std::mem::take(&mut self.state.users);
            for (id, stamp) in &stamps {
                if previous.get(id) != Some(stamp) {
                    changed.users.insert(id.clone());
                }
            }
            for id in previous.keys() {
                if !stamps.contains_key(id) {
                    changed.users.insert(id.clone());
                }
            }
            if !self.people_loaded {
                self.names.people = Names::load_people(&dir)?;
                self.people_loaded = true;
            } else {
                for id in &changed.users {
                    self.reload_person(&layout, id)?;
                }
            }
            self.state.users = stamps;
        } else {
            for id in &set.users {
                let Ok(user) = UserId::parse(id) else {
                    continue;
                };
                let stamp = Stamp::read(&layout.user_file(&user));
                if self.state.users.get(id) != stamp.as_ref() {
                    changed.users.insert(id.clone());
                    self.reload_person(&layout, id)?;
                    match stamp {
                        Some(s) => self.state.users.insert(id.clone(), s),
                        None => self.state.users.remove(id),
                    };
                }
            }
        }
        Ok(())
    }

    fn reload_person(&mut self, layout: &ContentLayout, id: &str) -> Result<()> {
        let Ok(user) = UserId::parse(id) else {
            return Ok(());
        };
        let path = layout.user_file(&user);
        match crate::fsio::read_optional(&path)? {
            Some(bytes) => {
                let raw: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&bytes)
                        .with_context(|| format!("{} is not a valid user file", path.display()))?;
                self.names
                    .people
                    .insert(id.to_owned(), Person::from_raw(id, &raw));
            }
            None => {
                self.names.people.remove(id);
            }
        }
        Ok(())
    }

    /// Re-reads chat settings; notes channels whose name or page changed (for mentions).
    pub(super) fn refresh_chats(&mut self, set: &ChangeSet, changed: &mut Deps) -> Result<()> {
        let reload = set.everything || self.chats.is_empty();
        if !reload && set.chats.is_empty() && !set.inputs {
            // Nothing names a chat, and links are as they were.
            return Ok(());
        }
        let store = self.project.open_store()?;
        if reload {
            let entries = store.load_channels()?;
            let slugs: BTreeSet<Slug> = entries.iter().map(|e| e.slug.clone()).collect();
            self.chats.retain(|slug, _| slugs.contains(slug));
            for entry in entries {
                let stamp = Stamp::read(&store.layout().channel_file(&entry.slug));
                self.update_chat(entry, stamp);
            }
        } else if !set.chats.is_empty() {
            let all = store.load_channels()?;
            for slug in &set.chats {
                match all.iter().find(|e| &e.slug == slug) {
                    Some(entry) => {
                        let stamp = Stamp::read(&store.layout().channel_file(slug));
                        self.update_chat(entry.clone(), stamp);
                    }
                    None => {
                        self.chats.remove(slug);
                    }
                }
            }
        }
        let Some(inputs) = self.inputs.as_ref() else {
            return Ok(());
        };
        let entries: Vec<ChannelEntry> = self.chats.values().map(|c| c.entry.clone()).collect();
        let mut before_names = HashMap::new();
        std::mem::swap(&mut before_names, &mut self.names.channels);
        self.names
            .add_channels(&entries, |c| inputs.link.chat_from_chat(&c.slug));
        let before: BTreeMap<String, (String, Option<String>)> = if before_names.is_empty() {
            self.state.channels.clone()
        } else {
            before_names.into_iter().collect()
        };
        let ids: BTreeSet<&String> = before.keys().chain(self.names.channels.keys()).collect();
        for id in ids {
            if before.get(id) != self.names.channels.get(id) {
                changed.channels.insert(id.clone());
            }
        }
        Ok(())
    }

    fn update_chat(&mut self, entry: ChannelEntry, stamp: Option<Stamp>) {
        match self.chats.get_mut(&entry.slug) {
            Some(cache) => {
                cache.settings = stamp;
                cache.entry = entry;
            }
            None => {
                self.chats
                    .insert(entry.slug.clone(), ChatCache::new(entry, stamp));
            }
        }
    }

    /// Re-lists custom emoji, kept avatars and re-hosted files; notes what changed (a changed
    /// avatar as its user).
    pub(super) fn refresh_assets(&mut self, changed: &mut Deps) -> Result<()> {
        let Some(inputs) = self.inputs.as_ref() else {
            return Ok(());
        };
        let layout = self.project.content_layout();
        let mut emoji = HashMap::new();
        let mut hosted: HashMap<String, HostedFile> = HashMap::new();
        let mut avatars = HashMap::new();
        let mut copies = BTreeMap::new();
        for (name, rel, path) in assets_in(&layout.emoji_dir(), EMOJI_DIR)? {
            emoji.insert(name, format!("{}{rel}", inputs.link.from_chat));
            copies.insert(rel, path);
        }
        for (_, rel, path) in assets_in(&layout.avatars_dir(), AVATARS_DIR)? {
            // Only `<ID>.<hash>.<ext>` right in the folder: what `sync users` writes.
            let Some(name) = rel
                .strip_prefix(AVATARS_DIR)
                .and_then(|r| r.strip_prefix('/'))
            else {
                continue;
            };
            let Some((_, stem)) = avatar::parse_file_name(name) else {
                continue;
            };
            avatars.insert(stem.to_owned(), format!("{}{rel}", inputs.link.from_chat));
            copies.insert(rel, path);
        }
        for (name, rel, path) in assets_in(&layout.files_dir(), FILES_DIR)? {
            // content/files/<FILE_ID>/<name>, thumb_<N>.<ext>, meta.json
            let id = rel.split('/').nth(1).unwrap_or(&name).to_owned();
            let file_name = rel.rsplit('/').next().unwrap_or_default();
            let url = format!(
                "{}{}",
                inputs.link.from_chat,
                crate::site_files::encode_path(&rel)
            );
            let entry = hosted.entry(id).or_default();
            match UploadPart::of(file_name) {
                // The record of content types stays in content/.
                UploadPart::Meta => continue,
                UploadPart::Thumb(edge) => {
                    entry.thumbs.insert(edge, url);
                }
                UploadPart::Original => {
                    entry.is_image = is_image(&rel);
                    entry.url = url;
                }
            }
            copies.insert(rel, path);
        }
        // Thumbnails without their upload (a hand-made folder) show nothing.
        hosted.retain(|_, h| !h.url.is_empty());
        let before_emoji: HashMap<String, String> = if self.names.emoji.is_empty() {
            self.state.emoji.clone().into_iter().collect()
        } else {
            std::mem::take(&mut self.names.emoji)
        };
        for name in before_emoji.keys().chain(emoji.keys()) {
            if before_emoji.get(name) != emoji.get(name) {
                changed.emoji.insert(name.clone());
            }
        }
        let before_hosted: HashMap<String, HostedFile> = if self.hosted.is_empty() {
            self.state.hosted.clone().into_iter().collect()
        } else {
            std::mem::take(&mut self.hosted)
        };
        for id in before_hosted.keys().chain(hosted.keys()) {
            if before_hosted.get(id) != hosted.get(id) {
                changed.files.insert(id.clone());
            }
        }
        let before_avatars: HashMap<String, String> = if self.names.avatars.is_empty() {
            self.state.avatars.clone().into_iter().collect()
        } else {
            std::mem::take(&mut self.names.avatars)
        };
        for stem in before_avatars.keys().chain(avatars.keys()) {
            if before_avatars.get(stem) != avatars.get(stem) {
                // A stem is `<ID>.<hash>`: the user's messages show it.
                let id = stem.split('.').next().unwrap_or(stem);
                changed.users.insert(id.to_owned());
            }
        }
        self.names.emoji = emoji;
        self.names.avatars = avatars;
        self.hosted = hosted;
        self.copies = copies;
        Ok(())
    }
}

/// Stamps of the files `*.ext` in `dir`, by file stem.
fn stamp_dir(dir: &Path, ext: &str) -> Result<BTreeMap<String, Stamp>> {
    let mut out = BTreeMap::new();
    for entry in crate::fsio::dir_entries(dir)? {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != ext) {
            continue;
        }
        let (Some(stem), Ok(meta)) = (path.file_stem().and_then(|s| s.to_str()), entry.metadata())
        else {
            continue;
        };
        out.insert(stem.to_owned(), Stamp::of(&meta));
    }
    Ok(out)
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
