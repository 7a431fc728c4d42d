//! The one write path into the content tree, and the rules every writer follows.
//!
//! Import, live events and backfill all hand messages, users and channels to this API. It owns the
//! rules every writer must follow: tokens are stripped, paths are built only from validated ids
//! (by [`layout`](super::layout)), versions are merged (never regressing), unchanged files are not
//! touched, and writes are atomic.
//!
//! Writes go through a [`Batch`]: a [`Transaction`] stages the files under `.scrollback/staging/`
//! and only moves them into `content/` on [`Batch::commit`]. An import that fails halfway drops its
//! batch and leaves the content tree exactly as it was. A chat folder that is new in the batch is
//! moved in with a single rename, so a reader never sees half a new chat either.
//!
//! This file holds the store, the batch and the rules for users; `chats.rs` and `messages.rs` hold
//! the rules for chat folders and message files.

mod chats;
mod messages;

pub use chats::ChannelDescription;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::avatar;
use super::channel::ChannelSettings;
use super::layout::{ContentLayout, ContentPath, relative};
use super::message::MessageRecord;
use super::slug::Slug;
use super::tokens::strip_tokens;
use super::transaction::{CommitSummary, Transaction, WriteOutcome};
use super::ts::Ts;
pub use super::uploads::upload_path;
use super::uploads::{UploadMeta, meta_path, thumb_path};
use super::user::{self, UserId};
use crate::fsio;

/// A chat folder of the content tree.
#[derive(Debug, Clone)]
pub struct ChannelEntry {
    pub slug: Slug,
    pub settings: ChannelSettings,
}

/// The content tree of one project.
#[derive(Debug)]
pub struct ContentStore {
    layout: ContentLayout,
    staging_root: PathBuf,
    /// Slack channel id → slug, from every `channel.toml`.
    by_channel_id: HashMap<String, Slug>,
    slugs: HashSet<Slug>,
}

impl ContentStore {
    /// Opens the content tree at `root`; `staging_root` must be on the same file system (it is
    /// the project's `.scrollback/staging`).
    pub fn open(root: &Path, staging_root: &Path) -> Result<ContentStore> {
        let mut store = ContentStore {
            layout: ContentLayout::new(root),
            staging_root: staging_root.to_owned(),
            by_channel_id: HashMap::new(),
            slugs: HashSet::new(),
        };
        for entry in store.load_channels()? {
            store.slugs.insert(entry.slug.clone());
            store
                .by_channel_id
                .insert(entry.settings.channel_id.clone(), entry.slug);
        }
        Ok(store)
    }

    /// Where the tree's files are.
    pub fn layout(&self) -> &ContentLayout {
        &self.layout
    }

    /// The slug of the chat made from Slack conversation `channel_id`, if there is one.
    pub fn slug_for_channel(&self, channel_id: &str) -> Option<&Slug> {
        self.by_channel_id.get(channel_id)
    }

    /// Every chat, sorted by slug. A broken `channel.toml` is an error naming the file.
    pub fn load_channels(&self) -> Result<Vec<ChannelEntry>> {
        let mut out = Vec::new();
        let mut seen_ids: HashMap<String, Slug> = HashMap::new();
        for entry in fsio::dir_entries(&self.layout.channels_dir())? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            let slug = Slug::parse(name).with_context(|| {
                format!("{} is not a valid chat folder name", entry.path().display())
            })?;
            let path = self.layout.channel_file(&slug);
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let settings = ChannelSettings::parse(&text, &path)?;
            if let Some(other) = seen_ids.insert(settings.channel_id.clone(), slug.clone()) {
                bail!(
                    "{} and the chat `{other}` both claim channel_id {}: one channel, one chat",
                    path.display(),
                    settings.channel_id
                );
            }
            out.push(ChannelEntry { slug, settings });
        }
        out.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(out)
    }

    pub fn read_message(&self, slug: &Slug, ts: &Ts) -> Result<Option<MessageRecord>> {
        let path = self.layout.message_file(slug, ts);
        match fsio::read_optional(&path)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a valid message file", path.display())),
        }
    }

    pub fn read_user(&self, id: &str) -> Result<Option<Map<String, Value>>> {
        let Ok(id) = UserId::parse(id) else {
            return Ok(None);
        };
        let path = self.layout.user_file(&id);
        match fsio::read_optional(&path)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a valid user file", path.display())),
        }
    }

    /// Starts a set of writes that land together with [`Batch::commit`].
    pub fn begin(&mut self) -> Result<Batch<'_>> {
        let tx = Transaction::begin(self.layout.root(), &self.staging_root)?;
        Ok(Batch {
            tx,
            store: self,
            existing_users: None,
        })
    }
}

/// Staged writes into the content tree; dropped without commit, they vanish.
#[derive(Debug)]
pub struct Batch<'a> {
    tx: Transaction,
    store: &'a mut ContentStore,
    /// Ids of the users in the content tree when the batch began (read once, on first use).
    existing_users: Option<HashSet<String>>,
}

impl Batch<'_> {
    /// Adds or replaces a user from Slack's user object. A record made from a message's profile
    /// snapshot never replaces one from users.json.
    pub fn put_user(&mut self, mut raw: Map<String, Value>) -> Result<WriteOutcome> {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .context("the user has no `id`")?
            .to_owned();
        let rel = relative::user_file(&UserId::parse(&id)?);
        if user::is_from_message_profile(&raw) && self.tx.current(&rel)?.is_some() {
            return Ok(WriteOutcome::Unchanged);
        }
        for value in raw.values_mut() {
            strip_tokens(value);
        }
        let mut bytes = serde_json::to_vec_pretty(&raw)?;
        bytes.push(b'\n');
        self.tx.stage(&rel, &bytes, None)
    }

    /// Stages a custom emoji image, `content/emoji/<name>.<extension>` (`sync emoji`). The name
    /// comes from Slack: only the characters Slack allows in emoji names are accepted, so it can
    /// never leave the folder.
    pub fn put_emoji(&mut self, name: &str, extension: &str, bytes: &[u8]) -> Result<WriteOutcome> {
        let valid_name = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with(['.', '-'])
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-+'".contains(c));
        if !valid_name {
            anyhow::bail!("{name:?} is not a Slack emoji name");
        }
        if !matches!(extension, "png" | "gif" | "jpg" | "jpeg" | "webp") {
            anyhow::bail!("emoji {name}: {extension:?} is not an image type scrollback keeps");
        }
        let rel = relative::emoji_dir().join(format!("{name}.{extension}"));
        self.tx.stage(&rel, bytes, None)
    }

    /// Stages a user's kept avatar, `content/users/avatars/<ID>.<hash>.<ext>` (`sync users`),
    /// the hash from the URL it was downloaded from ([`avatar::stem`]).
    pub fn put_avatar(
        &mut self,
        id: &UserId,
        url: &str,
        extension: &str,
        bytes: &[u8],
    ) -> Result<WriteOutcome> {
        if !avatar::EXTENSIONS.contains(&extension) {
            bail!("avatar of {id}: {extension:?} is not an image type scrollback keeps");
        }
        let rel = relative::avatar_file(&avatar::stem(id, url), extension);
        self.tx.stage(&rel, bytes, None)
    }

    /// Stages a re-hosted upload, `content/files/<FILE_ID>/<name>` (`scrollback files`). The id
    /// must look like Slack's (`F` and capitals or digits) and the name is reduced to characters
    /// safe in a path and a URL, so nothing from Slack can leave the folder.
    pub fn put_upload(&mut self, id: &str, name: &str, bytes: &[u8]) -> Result<WriteOutcome> {
        let rel = relative::files_dir().join(upload_path(id, name)?);
        self.tx.stage(&rel, bytes, None)
    }

    /// Stages Slack's thumbnail `thumb_<edge>` of an upload, beside it.
    pub fn put_upload_thumb(
        &mut self,
        id: &str,
        edge: u32,
        extension: &str,
        bytes: &[u8],
    ) -> Result<WriteOutcome> {
        let rel = relative::files_dir().join(thumb_path(id, edge, extension)?);
        self.tx.stage(&rel, bytes, None)
    }

    /// Stages an upload's `meta.json` (its content types), beside it.
    pub fn put_upload_meta(&mut self, id: &str, meta: &UploadMeta) -> Result<WriteOutcome> {
        let rel = relative::files_dir().join(meta_path(id)?);
        let mut bytes = serde_json::to_vec_pretty(meta)?;
        bytes.push(b'\n');
        self.tx.stage(&rel, &bytes, None)
    }

    /// Whether a user file exists or is staged.
    pub fn has_user(&mut self, id: &str) -> bool {
        if let Ok(valid) = UserId::parse(id)
            && self.tx.maybe_staged(&relative::user_file(&valid))
        {
            return true;
        }
        let users_dir = self.store.layout.users_dir();
        self.existing_users
            .get_or_insert_with(|| {
                fs::read_dir(&users_dir)
                    .map(|entries| {
                        entries
                            .filter_map(|e| e.ok())
                            .filter_map(|e| {
                                let rel = relative::users_dir().join(e.file_name());
                                match ContentPath::parse(&rel)? {
                                    ContentPath::User(id) => Some(id.as_str().to_owned()),
                                    _ => None,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .contains(id)
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }

    /// Moves every staged file into the content tree. Each file lands atomically; a chat that is
    /// new in this batch lands as a whole folder.
    pub fn commit(self) -> Result<CommitSummary> {
        self.commit_listing(true)
    }

    /// [`Batch::commit`] for bulk imports, which count what they wrote but need no list: the
    /// summary's `paths` only name files outside the chats new in this batch, instead of every
    /// file (a million paths for a million-message import, held only to be dropped).
    pub fn commit_bulk(self) -> Result<CommitSummary> {
        self.commit_listing(false)
    }

    fn commit_listing(self, list_new_chats: bool) -> Result<CommitSummary> {
        let channels = self.store.layout.channels_dir();
        fs::create_dir_all(&channels)
            .with_context(|| format!("cannot create {}", channels.display()))?;
        self.tx.commit(list_new_chats)
    }
}

#[cfg(test)]
mod tests;
