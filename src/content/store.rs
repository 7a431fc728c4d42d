//! The one write path into the content tree.
//!
//! Import, live events and backfill all hand messages, users and channels to this API. It owns the
//! rules every writer must follow: tokens are stripped, paths are built only from validated ids,
//! versions are merged (never regressing), unchanged files are not touched, and writes are atomic.
//!
//! Writes go through a [`Batch`]: files are staged under `.scrollback/staging/` and only moved into
//! `content/` by [`Batch::commit`]. An import that fails halfway drops its batch and leaves the
//! content tree exactly as it was. A chat folder that is new in the batch is moved in with a single
//! rename, so a reader never sees half a new chat either.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::channel::{ChannelSettings, SlackChannelInfo, refresh_slack_info};
use super::message::MessageRecord;
use super::slug::Slug;
use super::staging_writer::StagingWriter;
use super::tokens::strip_tokens;
use super::ts::Ts;
use super::user;
use crate::fsio;

/// A chat folder of the content tree.
#[derive(Debug, Clone)]
pub struct ChannelEntry {
    pub slug: Slug,
    pub settings: ChannelSettings,
}

/// What writing one item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
}

/// The content tree of one project.
#[derive(Debug)]
pub struct ContentStore {
    root: PathBuf,
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
            root: root.to_owned(),
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

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn channels_dir(&self) -> PathBuf {
        self.root.join("channels")
    }

    pub fn users_dir(&self) -> PathBuf {
        self.root.join("users")
    }

    pub fn channel_file(&self, slug: &Slug) -> PathBuf {
        self.channels_dir().join(slug.as_str()).join("channel.toml")
    }

    pub fn messages_dir(&self, slug: &Slug) -> PathBuf {
        self.channels_dir().join(slug.as_str()).join("messages")
    }

    pub fn message_path(&self, slug: &Slug, ts: &Ts) -> PathBuf {
        self.messages_dir(slug)
            .join(format!("{}.json", ts.as_str()))
    }

    fn rel_message(slug: &Slug, ts: &Ts) -> PathBuf {
        Path::new("channels")
            .join(slug.as_str())
            .join("messages")
            .join(format!("{}.json", ts.as_str()))
    }

    /// The slug of the chat made from Slack conversation `channel_id`, if there is one.
    pub fn slug_for_channel(&self, channel_id: &str) -> Option<&Slug> {
        self.by_channel_id.get(channel_id)
    }

    /// Every chat, sorted by slug. A broken `channel.toml` is an error naming the file.
    pub fn load_channels(&self) -> Result<Vec<ChannelEntry>> {
        let dir = self.channels_dir();
        let mut out = Vec::new();
        let mut seen_ids: HashMap<String, Slug> = HashMap::new();
        for entry in fsio::dir_entries(&dir)? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            let slug = Slug::parse(name).with_context(|| {
                format!("{} is not a valid chat folder name", entry.path().display())
            })?;
            let path = entry.path().join("channel.toml");
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
        let path = self.message_path(slug, ts);
        match fsio::read_optional(&path)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a valid message file", path.display())),
        }
    }

    pub fn read_user(&self, id: &str) -> Result<Option<Map<String, Value>>> {
        if !user::is_valid_user_id(id) {
            return Ok(None);
        }
        let path = self.users_dir().join(format!("{id}.json"));
        match fsio::read_optional(&path)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a valid user file", path.display())),
        }
    }

    /// Starts a set of writes that land together with [`Batch::commit`].
    pub fn begin(&mut self) -> Result<Batch<'_>> {
        fs::create_dir_all(&self.staging_root)
            .with_context(|| format!("cannot create {}", self.staging_root.display()))?;
        let dir = tempfile::Builder::new()
            .prefix("batch-")
            .tempdir_in(&self.staging_root)
            .with_context(|| {
                format!("cannot create a folder in {}", self.staging_root.display())
            })?;
        Ok(Batch {
            writer: None,
            store: self,
            staging: dir,
            staged: HashMap::new(),
            new_chat_messages: HashSet::new(),
            new_chats: Vec::new(),
            staging_dirs: HashSet::new(),
            existing_users: None,
        })
    }
}

/// Staged writes into the content tree; dropped without commit, they vanish.
#[derive(Debug)]
pub struct Batch<'a> {
    /// Writes the staged files of bulk imports; started by the first batch of many files. It is
    /// the first field so that it drops, and finishes writing, before the staging folder goes.
    writer: Option<StagingWriter>,
    store: &'a mut ContentStore,
    staging: tempfile::TempDir,
    /// Content-relative path → outcome, for every staged file but the messages of new chats.
    staged: HashMap<PathBuf, WriteOutcome>,
    /// Hashes of the paths of new chats' staged message files: the bulk of an import, known
    /// this way in 16 bytes rather than a path's 130 (a million-message import). A hash that
    /// collides only costs a look in the staging folder; commit lists the files themselves.
    new_chat_messages: HashSet<u64>,
    /// Chats created in this batch: their folders move in whole.
    new_chats: Vec<Slug>,
    /// Folders already created under the staging folder.
    staging_dirs: HashSet<PathBuf>,
    /// Ids of the users in the content tree when the batch began (read once, on first use).
    existing_users: Option<HashSet<String>>,
}

/// What a committed batch changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommitSummary {
    pub created: usize,
    pub updated: usize,
    /// Content-relative paths of every file written (by [`Batch::commit_bulk`]: but the messages
    /// of new chats).
    pub paths: Vec<PathBuf>,
}

/// A message file ready to stage.
struct PreparedMessage {
    ts: Ts,
    /// Content-relative path.
    rel: PathBuf,
    bytes: Vec<u8>,
    /// What staging it does to the tree, when preparing it already found out (see
    /// [`Batch::stage_many`]).
    known: Option<WriteOutcome>,
}

/// A conversation as an importer or event describes it.
#[derive(Debug, Clone)]
pub struct ChannelDescription {
    pub channel_id: String,
    pub slack: SlackChannelInfo,
    /// The slug a new chat gets (`None`: made from the name). Ignored when the chat exists.
    pub slug: Option<Slug>,
    /// For a new chat; ignored when it exists.
    pub headline: Option<String>,
    pub description: Option<String>,
    pub state: Option<super::channel::ChatState>,
}

impl Batch<'_> {
    fn is_new_chat(&self, slug: &Slug) -> bool {
        self.new_chats.contains(slug)
    }

    /// Whether `rel` is a message file (`channels/<slug>/messages/<ts>.json`) of a new chat.
    fn is_new_chat_message(&self, rel: &Path) -> bool {
        let mut parts = rel.components().map(|c| c.as_os_str());
        match (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) {
            (Some(channels), Some(slug), Some(messages), Some(_), None) => {
                channels == "channels"
                    && messages == "messages"
                    && self.new_chats.iter().any(|s| slug == s.as_str())
            }
            _ => false,
        }
    }

    /// Whether this batch may have staged `rel` (surely, unless a new chat's message hash
    /// collides).
    fn maybe_staged(&self, rel: &Path) -> bool {
        self.staged.contains_key(rel)
            || (self.is_new_chat_message(rel) && self.new_chat_messages.contains(&path_hash(rel)))
    }

    /// Stages `bytes` for content-relative `rel`, unless the tree already holds exactly them.
    fn stage(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        known: Option<WriteOutcome>,
    ) -> Result<WriteOutcome> {
        let mut outcomes = self.stage_many(vec![(rel.to_owned(), bytes.to_vec(), known)]);
        outcomes
            .pop()
            .unwrap_or_else(|| Ok(WriteOutcome::Unchanged))
    }

    /// Stages files (content-relative path, bytes, and the outcome when the caller knows it:
    /// it read the tree's version, or the tree cannot have the file). Each file is staged unless
    /// the tree already holds exactly its bytes; unknown outcomes are found by comparing.
    fn stage_many(
        &mut self,
        files: Vec<(PathBuf, Vec<u8>, Option<WriteOutcome>)>,
    ) -> Vec<Result<WriteOutcome>> {
        use rayon::prelude::*;
        // A bulk import stages a hundred thousand files into a few folders: create each once.
        for (rel, _, _) in &files {
            let path = self.staging.path().join(rel);
            if let Some(dir) = path.parent()
                && !self.staging_dirs.contains(dir)
            {
                if let Err(e) = fs::create_dir_all(dir) {
                    let e =
                        anyhow::Error::from(e).context(format!("cannot create {}", dir.display()));
                    return vec![Err(e)];
                }
                self.staging_dirs.insert(dir.to_owned());
            }
        }
        if self.writer.is_none() && files.len() > 1 {
            match StagingWriter::start() {
                Ok(writer) => self.writer = Some(writer),
                Err(e) => return vec![Err(e)],
            }
        }
        let (root, staging) = (&self.store.root, self.staging.path());
        // Comparing with the tree reads in parallel; creating files is one thread's job: two
        // threads creating files in one folder contend for its lock, and on a busy disk they
        // spin on it (seen here: ten times slower than one thread).
        let compared: Vec<Result<WriteOutcome>> = files
            .par_iter()
            .map(|(rel, bytes, known)| {
                if let Some(outcome) = known {
                    return Ok(*outcome);
                }
                Ok(match fsio::read_optional(&root.join(rel))? {
                    Some(existing) if existing == *bytes => WriteOutcome::Unchanged,
                    Some(_) => WriteOutcome::Updated,
                    None => WriteOutcome::Created,
                })
            })
            .collect();
        let mut decided: Vec<Result<WriteOutcome>> = Vec::with_capacity(files.len());
        let mut staged_rels = Vec::with_capacity(files.len());
        for ((rel, bytes, _), outcome) in files.into_iter().zip(compared) {
            let written = outcome.and_then(|outcome| {
                if outcome != WriteOutcome::Unchanged {
                    let path = staging.join(&rel);
                    match &self.writer {
                        // Once the writer runs, every file goes through it, in order.
                        Some(writer) => writer.write(path, bytes)?,
                        None => fs::write(&path, bytes)
                            .with_context(|| format!("cannot write {}", path.display()))?,
                    }
                }
                Ok(outcome)
            });
            decided.push(written);
            staged_rels.push(rel);
        }
        for (rel, outcome) in staged_rels.into_iter().zip(&decided) {
            match outcome {
                // Back to what the tree holds (a reaction added, then removed, in one batch):
                // an earlier version staged in this batch must not land.
                Ok(WriteOutcome::Unchanged) => {
                    if self.staged.remove(&rel).is_some() {
                        if let Err(e) = self.flush_writes() {
                            return vec![Err(e)];
                        }
                        let _ = fs::remove_file(self.staging.path().join(&rel));
                    }
                }
                Ok(_) if self.is_new_chat_message(&rel) => {
                    self.new_chat_messages.insert(path_hash(&rel));
                }
                Ok(outcome) => {
                    self.staged.insert(rel, *outcome);
                }
                Err(_) => {}
            }
        }
        decided
    }

    /// Waits for the staged files handed to the writer thread to be on disk.
    fn flush_writes(&self) -> Result<()> {
        match &self.writer {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }

    /// Reads the version of a content file this batch would leave: staged, else on disk.
    fn current(&self, rel: &Path) -> Result<Option<Vec<u8>>> {
        if self.maybe_staged(rel) {
            self.flush_writes()?;
            if let Some(bytes) = fsio::read_optional(&self.staging.path().join(rel))? {
                return Ok(Some(bytes));
            }
        }
        fsio::read_optional(&self.store.root.join(rel))
    }

    /// Finds or creates the chat for a conversation. An existing chat keeps its editorial
    /// settings; only its `[slack]` table is refreshed.
    pub fn ensure_channel(&mut self, desc: &ChannelDescription) -> Result<Slug> {
        if let Some(slug) = self.store.by_channel_id.get(&desc.channel_id).cloned() {
            let rel = Path::new("channels")
                .join(slug.as_str())
                .join("channel.toml");
            let path = self.store.root.join(&rel);
            let bytes = self
                .current(&rel)?
                .with_context(|| format!("{} disappeared", path.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", path.display()))?;
            if let Some(updated) = refresh_slack_info(&text, &desc.slack, &path)? {
                self.stage(&rel, updated.as_bytes(), Some(WriteOutcome::Created))?;
                self.staged.insert(rel, WriteOutcome::Updated);
            }
            return Ok(slug);
        }
        let wanted = desc
            .slug
            .clone()
            .unwrap_or_else(|| Slug::from_name(&desc.slack.name, &desc.channel_id));
        let slug = self.unique_slug(wanted, &desc.channel_id);
        let settings = ChannelSettings {
            channel_id: desc.channel_id.clone(),
            headline: desc
                .headline
                .clone()
                .unwrap_or_else(|| default_headline(&desc.slack)),
            description: desc
                .description
                .clone()
                .unwrap_or_else(|| default_description(&desc.slack)),
            state: desc
                .state
                .unwrap_or_else(|| desc.slack.kind.default_state()),
            intro: String::new(),
            closing_note: String::new(),
            image: None,
            slack: desc.slack.clone(),
        };
        let rel = Path::new("channels")
            .join(slug.as_str())
            .join("channel.toml");
        self.stage(
            &rel,
            settings.to_new_file().as_bytes(),
            Some(WriteOutcome::Created),
        )?;
        self.new_chats.push(slug.clone());
        self.store.slugs.insert(slug.clone());
        self.store
            .by_channel_id
            .insert(desc.channel_id.clone(), slug.clone());
        Ok(slug)
    }

    fn unique_slug(&self, wanted: Slug, channel_id: &str) -> Slug {
        let taken = |s: &Slug| {
            self.store.slugs.contains(s) || self.store.channels_dir().join(s.as_str()).exists()
        };
        if !taken(&wanted) {
            return wanted;
        }
        let with_id = Slug::from_name(&format!("{wanted}-{channel_id}"), channel_id);
        if !taken(&with_id) {
            return with_id;
        }
        (2..)
            .map(|n| Slug::from_name(&format!("{with_id}-{n}"), channel_id))
            .find(|s| !taken(s))
            .unwrap_or(with_id)
    }

    /// The chat of a Slack conversation, existing or created in this batch.
    pub fn slug_for_channel(&self, channel_id: &str) -> Option<&Slug> {
        self.store.slug_for_channel(channel_id)
    }

    /// Adds or updates one message of a chat from a raw Slack message object.
    pub fn upsert_message(
        &mut self,
        slug: &Slug,
        raw: Map<String, Value>,
    ) -> Result<(Ts, WriteOutcome)> {
        self.upsert_message_keeping(slug, raw, &[])
    }

    /// Like [`Batch::upsert_message`], but keys in `keep` that the stored message has and `raw`
    /// lacks are carried over. Live edits arrive without the state other events built up (the
    /// `reactions` that reaction events added), which a plain merge would drop.
    pub fn upsert_message_keeping(
        &mut self,
        slug: &Slug,
        raw: Map<String, Value>,
        keep: &[&str],
    ) -> Result<(Ts, WriteOutcome)> {
        let p = self.prepare_message(slug, raw, keep)?;
        let outcome = self.stage(&p.rel, &p.bytes, p.known)?;
        Ok((p.ts, outcome))
    }

    /// [`Batch::upsert_message`] for many messages of one chat at once, in parallel (imports).
    pub fn upsert_messages(
        &mut self,
        slug: &Slug,
        raws: Vec<Map<String, Value>>,
    ) -> Vec<Result<(Ts, WriteOutcome)>> {
        use rayon::prelude::*;
        let prepared: Vec<Result<PreparedMessage>> = raws
            .into_par_iter()
            .map(|raw| self.prepare_message(slug, raw, &[]))
            .collect();
        let mut files = Vec::new();
        let mut results: Vec<Result<Ts>> = Vec::with_capacity(prepared.len());
        for p in prepared {
            results.push(p.map(|p| {
                files.push((p.rel, p.bytes, p.known));
                p.ts
            }));
        }
        let mut staged = self.stage_many(files).into_iter();
        results
            .into_iter()
            .map(|r| {
                let ts = r?;
                let outcome = staged.next().unwrap_or(Ok(WriteOutcome::Unchanged))?;
                Ok((ts, outcome))
            })
            .collect()
    }

    /// The bytes a message file will hold once `raw` is merged into what the batch has.
    fn prepare_message(
        &self,
        slug: &Slug,
        mut raw: Map<String, Value>,
        keep: &[&str],
    ) -> Result<PreparedMessage> {
        let ts_text = raw
            .get("ts")
            .and_then(Value::as_str)
            .context("the message has no `ts`")?;
        let ts = Ts::parse(ts_text)?;
        for value in raw.values_mut() {
            strip_tokens(value);
        }
        let rel = ContentStore::rel_message(slug, &ts);
        let new_chat = self.is_new_chat(slug);
        let staged = self.maybe_staged(&rel);
        // Read from the tree itself, the file decides the outcome here; staged in this batch,
        // staging must compare with the tree.
        let (existing, from_tree) = match (new_chat, staged) {
            (true, false) => (None, false),
            (_, true) => (self.current(&rel)?, false),
            (false, false) => (fsio::read_optional(&self.store.root.join(&rel))?, true),
        };
        let record = match &existing {
            None => MessageRecord::new(ts.clone(), raw),
            Some(bytes) => {
                let mut record: MessageRecord =
                    serde_json::from_slice(bytes).with_context(|| {
                        format!(
                            "{} is not a valid message file",
                            self.store.root.join(&rel).display()
                        )
                    })?;
                for key in keep {
                    if !raw.contains_key(*key)
                        && let Some(v) = record.slack.get(*key)
                    {
                        raw.insert((*key).to_owned(), v.clone());
                    }
                }
                record.merge(raw);
                record
            }
        };
        let bytes = record.to_bytes();
        let known = match (&existing, from_tree) {
            // A file of a chat new in this batch cannot be in the tree yet.
            (None, _) if new_chat && !staged => Some(WriteOutcome::Created),
            (None, true) => Some(WriteOutcome::Created),
            (Some(old), true) if *old == bytes => Some(WriteOutcome::Unchanged),
            (Some(_), true) => Some(WriteOutcome::Updated),
            _ => None,
        };
        Ok(PreparedMessage {
            ts,
            rel,
            bytes,
            known,
        })
    }

    /// Marks a message deleted (Slack deleted it at `at`). The file stays, for the record. A
    /// message the tree does not have yet gets a deleted stub (from `previous`, Slack's copy of
    /// the message, when the event carries one), so the original arriving late stays deleted.
    pub fn delete_message(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        previous: Option<Map<String, Value>>,
        at: Option<&Ts>,
    ) -> Result<WriteOutcome> {
        let found = self.modify_message(slug, ts, |record| {
            record.deleted = true;
            record.touch(at);
        })?;
        if let Some(outcome) = found {
            return Ok(outcome);
        }
        let mut slack = previous.unwrap_or_default();
        slack.insert("ts".to_owned(), Value::String(ts.to_string()));
        slack
            .entry("type")
            .or_insert_with(|| Value::String("message".to_owned()));
        for value in slack.values_mut() {
            strip_tokens(value);
        }
        let mut record = MessageRecord::new(ts.clone(), slack);
        record.deleted = true;
        record.touch(at);
        let rel = ContentStore::rel_message(slug, ts);
        let new_chat = self.is_new_chat(slug);
        self.stage(
            &rel,
            &record.to_bytes(),
            new_chat.then_some(WriteOutcome::Created),
        )
    }

    /// Adds or removes one person's reaction to a stored message (see [`MessageRecord::react`]).
    /// Returns `None` when the tree does not have the message.
    pub fn react(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        name: &str,
        user: &str,
        added: bool,
        at: Option<&Ts>,
    ) -> Result<Option<WriteOutcome>> {
        self.modify_message(slug, ts, |record| {
            if record.react(name, user, added) {
                record.touch(at);
            }
        })
    }

    /// Changes what Slack says about a chat's conversation (its `[slack]` table: a rename, a new
    /// topic), keeping every other byte of `channel.toml`. Returns whether the file changed.
    pub fn update_slack_info(
        &mut self,
        slug: &Slug,
        change: impl FnOnce(&mut SlackChannelInfo),
    ) -> Result<bool> {
        let (rel, path, text) = self.channel_text(slug)?;
        let mut info = ChannelSettings::parse(&text, &path)?.slack;
        change(&mut info);
        match refresh_slack_info(&text, &info, &path)? {
            Some(updated) => {
                self.stage(&rel, updated.as_bytes(), Some(WriteOutcome::Created))?;
                self.staged.insert(rel, WriteOutcome::Updated);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sets one editorial key of a chat's `channel.toml` (for explicit commands such as
    /// `publish` and `archive`; imports and events never do). Returns whether the file changed.
    pub fn set_editorial_key(&mut self, slug: &Slug, key: &str, value: &str) -> Result<bool> {
        let (rel, path, text) = self.channel_text(slug)?;
        let updated = super::channel::set_editorial_key(&text, key, value, &path)?;
        if updated == text {
            return Ok(false);
        }
        self.stage(&rel, updated.as_bytes(), Some(WriteOutcome::Created))?;
        self.staged.insert(rel, WriteOutcome::Updated);
        Ok(true)
    }

    /// A chat's `channel.toml` as this batch would leave it: (relative path, path, text).
    fn channel_text(&self, slug: &Slug) -> Result<(PathBuf, PathBuf, String)> {
        let rel = Path::new("channels")
            .join(slug.as_str())
            .join("channel.toml");
        let path = self.store.root.join(&rel);
        let bytes = self
            .current(&rel)?
            .with_context(|| format!("{} does not exist", path.display()))?;
        let text =
            String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
        Ok((rel, path, text))
    }

    /// Changes a stored message with `change` (for events such as deletions and reactions).
    /// Returns `None` when the message is not in the tree.
    pub fn modify_message(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        change: impl FnOnce(&mut MessageRecord),
    ) -> Result<Option<WriteOutcome>> {
        let rel = ContentStore::rel_message(slug, ts);
        let Some(bytes) = self.current(&rel)? else {
            return Ok(None);
        };
        let mut record: MessageRecord = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a valid message file",
                self.store.root.join(&rel).display()
            )
        })?;
        change(&mut record);
        for value in record.slack.values_mut() {
            strip_tokens(value);
        }
        self.stage(&rel, &record.to_bytes(), None).map(Some)
    }

    /// Adds or replaces a user from Slack's user object. A record made from a message's profile
    /// snapshot never replaces one from users.json.
    pub fn put_user(&mut self, mut raw: Map<String, Value>) -> Result<WriteOutcome> {
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .context("the user has no `id`")?
            .to_owned();
        if !user::is_valid_user_id(&id) {
            bail!(
                "`{}` is not a Slack user id",
                id.chars().take(40).collect::<String>()
            );
        }
        let rel = Path::new("users").join(format!("{id}.json"));
        if user::is_from_message_profile(&raw) && self.current(&rel)?.is_some() {
            return Ok(WriteOutcome::Unchanged);
        }
        for value in raw.values_mut() {
            strip_tokens(value);
        }
        let mut bytes = serde_json::to_vec_pretty(&raw)?;
        bytes.push(b'\n');
        self.stage(&rel, &bytes, None)
    }

    /// Whether a user file exists or is staged.
    pub fn has_user(&mut self, id: &str) -> bool {
        let rel = Path::new("users").join(format!("{id}.json"));
        if self.staged.contains_key(&rel) {
            return true;
        }
        let users_dir = self.store.users_dir();
        self.existing_users
            .get_or_insert_with(|| {
                fs::read_dir(&users_dir)
                    .map(|entries| {
                        entries
                            .filter_map(|e| e.ok())
                            .filter_map(|e| {
                                let name = e.file_name();
                                name.to_str()?.strip_suffix(".json").map(str::to_owned)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .contains(id)
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.staged.len() + self.new_chat_messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        self.flush_writes()?;
        let root = self.store.root.clone();
        let staging = self.staging.path();
        let mut summary = CommitSummary::default();
        let mut moved_whole: HashSet<&str> = HashSet::new();
        fs::create_dir_all(root.join("channels"))
            .with_context(|| format!("cannot create {}", root.join("channels").display()))?;
        let mut staged: Vec<(PathBuf, WriteOutcome)> = Vec::new();
        for slug in &self.new_chats {
            let rel = Path::new("channels").join(slug.as_str());
            // Fails if someone created the folder meanwhile; then files move one by one.
            let whole = fs::rename(staging.join(&rel), root.join(&rel)).is_ok();
            if whole {
                moved_whole.insert(slug.as_str());
            }
            // Its message files are known by hash only: list them where they now are.
            let messages = rel.join("messages");
            let dir = if whole { &root } else { staging }.join(&messages);
            for entry in fsio::dir_entries(&dir)? {
                if whole && !list_new_chats {
                    summary.created += 1;
                } else {
                    staged.push((messages.join(entry.file_name()), WriteOutcome::Created));
                }
            }
        }
        // The paths move into the summary: a million-message import holds them once, not twice.
        staged.extend(self.staged);
        // Byte order is as deterministic as path order, and much cheaper for 100k paths.
        staged.sort_unstable_by(|a, b| {
            a.0.as_os_str()
                .as_encoded_bytes()
                .cmp(b.0.as_os_str().as_encoded_bytes())
        });
        summary.paths.reserve_exact(staged.len());
        for (rel, outcome) in staged {
            match outcome {
                WriteOutcome::Created => summary.created += 1,
                WriteOutcome::Updated => summary.updated += 1,
                WriteOutcome::Unchanged => {}
            }
            if !chat_of(&rel).is_some_and(|slug| moved_whole.contains(slug)) {
                move_into_place(&staging.join(&rel), &root.join(&rel))?;
            }
            summary.paths.push(rel);
        }
        Ok(summary)
    }
}

/// A hash of a content-relative path, for [`Batch::new_chat_messages`] (in memory only).
fn path_hash(rel: &Path) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(rel)
}

/// Renames a staged file into the tree, or, across file systems (EXDEV), copies it with an
/// atomic write.
fn move_into_place(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if let Err(e) = fs::rename(from, to) {
        let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        fsio::write_atomic(to, &bytes)
            .with_context(|| format!("cannot move {} into place ({e})", to.display()))?;
    }
    Ok(())
}

/// The chat a content-relative path belongs to: paths are `channels/<slug>/…` or
/// `users/<id>.json`, so it is the second part of a `channels/` path.
fn chat_of(rel: &Path) -> Option<&str> {
    let mut parts = rel.components();
    match (parts.next(), parts.next()) {
        (Some(first), Some(second)) if first.as_os_str() == "channels" => {
            second.as_os_str().to_str()
        }
        _ => None,
    }
}

fn default_headline(slack: &SlackChannelInfo) -> String {
    if slack.name.is_empty() {
        "Untitled chat".to_owned()
    } else {
        slack.name.clone()
    }
}

fn default_description(slack: &SlackChannelInfo) -> String {
    match (slack.topic.trim(), slack.purpose.trim()) {
        ("", "") => String::new(),
        (topic, "") => topic.to_owned(),
        ("", purpose) => purpose.to_owned(),
        (topic, purpose) if topic == purpose => topic.to_owned(),
        (topic, purpose) => format!("{purpose}\n\n{topic}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live_channel() -> ChannelDescription {
        ChannelDescription {
            channel_id: "C1".into(),
            slack: SlackChannelInfo {
                name: "live".into(),
                ..Default::default()
            },
            slug: None,
            headline: None,
            description: None,
            state: None,
        }
    }

    fn message(ts: &str, text: &str) -> Map<String, Value> {
        json!({"ts": ts, "text": text}).as_object().unwrap().clone()
    }

    /// Messages `1.000001` … `1.<n>`, all with `text`.
    fn messages(n: usize, text: &str) -> Vec<Map<String, Value>> {
        (1..=n)
            .map(|i| message(&format!("1.{i:06}"), text))
            .collect()
    }

    /// A store in a temporary folder: (folder, content path, staging path, store).
    fn temp_store() -> (tempfile::TempDir, PathBuf, PathBuf, ContentStore) {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let staging = dir.path().join("staging");
        let store = ContentStore::open(&content, &staging).unwrap();
        (dir, content, staging, store)
    }

    #[test]
    fn a_change_undone_within_a_batch_does_not_land() {
        let (_dir, _, _, mut store) = temp_store();
        let mut batch = store.begin().unwrap();
        let slug = batch.ensure_channel(&live_channel()).unwrap();
        let raw = json!({"ts": "1.000001", "text": "hi"});
        batch
            .upsert_message(&slug, raw.as_object().unwrap().clone())
            .unwrap();
        batch.commit().unwrap();
        let ts = Ts::parse("1.000001").unwrap();
        let before = fs::read(store.message_path(&slug, &ts)).unwrap();

        // Added, then removed, in one batch: the tree must keep what it had.
        let mut batch = store.begin().unwrap();
        let added = batch.react(&slug, &ts, "tada", "U2", true, None).unwrap();
        assert_eq!(added, Some(WriteOutcome::Updated));
        let removed = batch.react(&slug, &ts, "tada", "U2", false, None).unwrap();
        assert_eq!(removed, Some(WriteOutcome::Unchanged));
        batch.commit().unwrap();
        assert_eq!(fs::read(store.message_path(&slug, &ts)).unwrap(), before);
    }

    /// Bulk writes go through the writer thread; a later version of one of those files, in the
    /// same batch, must merge with what was queued, not with what the tree had.
    #[test]
    fn bulk_staged_files_are_read_back_and_merged_within_the_batch() {
        let (_dir, _, _, mut store) = temp_store();
        let mut batch = store.begin().unwrap();
        let slug = batch.ensure_channel(&live_channel()).unwrap();
        let many = messages(500, "first");
        let outcomes = batch.upsert_messages(&slug, many);
        assert!(outcomes.iter().all(|o| o.is_ok()));
        let edited = json!({"ts": "1.000007", "text": "second", "edited": {"ts": "2.000000"}});
        let (_, outcome) = batch
            .upsert_message(&slug, edited.as_object().unwrap().clone())
            .unwrap();
        assert_eq!(outcome, WriteOutcome::Created);
        let summary = batch.commit().unwrap();
        assert_eq!(summary.created, 501, "500 messages and channel.toml");
        assert_eq!(summary.paths.len(), 501);
        let seventh_rel = ContentStore::rel_message(&slug, &Ts::parse("1.000007").unwrap());
        assert!(summary.paths.contains(&seventh_rel));

        let seventh = store.read_message(&slug, &Ts::parse("1.000007").unwrap());
        let seventh = seventh.unwrap().unwrap();
        assert_eq!(seventh.slack["text"], "second");
        assert_eq!(
            seventh.revisions.len(),
            1,
            "the first text is kept as a revision"
        );
        let last = store.read_message(&slug, &Ts::parse("1.000500").unwrap());
        assert_eq!(last.unwrap().unwrap().slack["text"], "first");
    }

    /// A batch dropped without commit, while its writer thread may still be writing, leaves the
    /// tree and the staging folder empty.
    #[test]
    fn a_dropped_bulk_batch_leaves_nothing() {
        let (_dir, content, staging, mut store) = temp_store();
        let mut batch = store.begin().unwrap();
        let slug = batch.ensure_channel(&live_channel()).unwrap();
        let many = messages(3000, "text");
        batch.upsert_messages(&slug, many);
        drop(batch);
        assert!(!content.join("channels").join(slug.as_str()).exists());
        assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);
    }

    /// A new chat whose folder appeared in the tree meanwhile (another writer) cannot move in
    /// whole: its files move one by one, and every one is listed.
    #[test]
    fn a_new_chat_whose_folder_appeared_meanwhile_moves_file_by_file() {
        let (_dir, content, _, mut store) = temp_store();
        let mut batch = store.begin().unwrap();
        let slug = batch.ensure_channel(&live_channel()).unwrap();
        let many = messages(50, "text");
        batch.upsert_messages(&slug, many);
        let other = content.join("channels").join(slug.as_str());
        fs::create_dir_all(other.join("messages")).unwrap();
        fs::write(other.join("messages").join("keep.txt"), "someone else's").unwrap();
        let summary = batch.commit().unwrap();
        assert_eq!(summary.created, 51);
        assert_eq!(summary.paths.len(), 51);
        assert!(other.join("channel.toml").is_file());
        assert_eq!(fs::read_dir(other.join("messages")).unwrap().count(), 51);
        let first = store.read_message(&slug, &Ts::parse("1.000001").unwrap());
        assert_eq!(first.unwrap().unwrap().slack["text"], "text");
    }

    #[test]
    fn a_bulk_commit_counts_new_chats_without_listing_their_messages() {
        let (_dir, content, _, mut store) = temp_store();
        let mut batch = store.begin().unwrap();
        let slug = batch.ensure_channel(&live_channel()).unwrap();
        let many = messages(40, "text");
        batch.upsert_messages(&slug, many);
        let summary = batch.commit_bulk().unwrap();
        assert_eq!(summary.created, 41, "40 messages and channel.toml");
        let toml = Path::new("channels")
            .join(slug.as_str())
            .join("channel.toml");
        assert_eq!(summary.paths, vec![toml]);
        let messages = content
            .join("channels")
            .join(slug.as_str())
            .join("messages");
        assert_eq!(fs::read_dir(messages).unwrap().count(), 40);
    }
}
