//! The incremental site builder: the one engine behind `build`, `watch` and `serve`.
//!
//! It knows, for every output, which inputs it is made from, as a [`Signature`]; an output is
//! rendered only when its signature changed, and written only when its bytes changed. Between
//! runs the signatures live in `.scrollback/build-state.json`; within a long-running process
//! (`watch`, `serve`) the rendered messages stay in memory too, so a change re-reads only the
//! files it touched.
//!
//! What depends on what:
//! - a chat page: the config and theme settings, its templates (`chat.html` and what it extends
//!   or includes), the chat's header (`channel.toml`), the page number and count, and the
//!   messages on it, each with the users, channels, emoji and files it looked up;
//! - a feed: the chat's summary and all its messages;
//! - the index: the config, `index.html` and what it uses, and every chat's summary;
//! - a static file: its bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::chat::{self, Item, Structure};
use super::deps::{Deps, template_closure};
use super::directory::{Directory, Person};
use super::feeds;
use super::live;
use super::output::SiteWriter;
use super::pages::{self, ChatHeader, ChatPage, ChatSummary, SiteView};
use super::signature::{Signature, Stamp, hash};
use super::state::{BuildState, ChatRecord, OutputRecord};
use super::theme::Theme;
use super::urls::{LinkBase, chat_page_path};
use super::view::ViewContext;
use super::{BuildReport, Change};
use crate::config::Config;
use crate::content::{ChannelEntry, ChatState, Slug, Ts};
use crate::progress::{Progress, ProgressMode};
use crate::project::Project;
use crate::render::RenderOptions;
use crate::site_files::encode_path;

/// Everything loaded from the config and the theme.
struct Inputs {
    config: Config,
    tz: jiff::tz::TimeZone,
    theme: Theme,
    link: LinkBase,
    site: SiteView,
    render: RenderOptions,
    /// Config, theme settings and version: every output depends on it.
    global: u64,
    /// The chat pages' templates.
    chat_templates: u64,
    /// The index's templates.
    index_templates: u64,
}

impl Inputs {
    fn load(project: &Project) -> Result<Inputs> {
        let config = project.load_config()?;
        let tz = config.time_zone()?;
        let theme = Theme::load(project, &config.theme)?;
        let link = LinkBase::new(config.base_url());
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
        let config_bytes = crate::fsio::read_optional(&project.config_path())?.unwrap_or_default();
        let global = Signature::new()
            .with(env!("CARGO_PKG_VERSION"))
            .with(&config_bytes)
            .with(format!("{:?}", theme.manifest.extra))
            .finish();
        let templates_sig = |root: &str| {
            let mut sig = Signature::new();
            for name in template_closure(root, &theme.sources) {
                sig.push(&name);
                sig.push(theme.sources.get(&name).map(String::as_str).unwrap_or(""));
            }
            sig.finish()
        };
        Ok(Inputs {
            render: RenderOptions {
                timezone: tz.clone(),
            },
            chat_templates: templates_sig("chat.html"),
            index_templates: templates_sig("index.html"),
            config,
            tz,
            theme,
            link,
            site,
            global,
        })
    }
}

/// A chat as the builder keeps it between builds.
#[derive(Debug)]
struct ChatCache {
    entry: ChannelEntry,
    settings: Option<Stamp>,
    /// Rendered messages (only while loaded).
    items: BTreeMap<Ts, Item>,
    loaded: bool,
}

/// The builder of one project's site.
pub struct SiteBuilder {
    project: Project,
    /// Keep rendered messages in memory between builds (watch, serve) rather than re-reading
    /// each changed chat whole (build).
    keep_loaded: bool,
    progress: ProgressMode,
    inputs: Option<Inputs>,
    directory: Directory,
    hosted: HashMap<String, (String, bool)>,
    /// Site path → source, for custom emoji and re-hosted files.
    copies: BTreeMap<String, PathBuf>,
    chats: BTreeMap<Slug, ChatCache>,
    state: BuildState,
    /// Whether `directory.people` holds every user.
    people_loaded: bool,
    /// The last build failed: compare every input next time.
    recheck: bool,
}

/// What changed since the last build, as far as the caller knows.
#[derive(Debug, Default)]
struct Scope {
    everything: bool,
    inputs: bool,
    users: BTreeSet<String>,
    chats: BTreeSet<Slug>,
    messages: BTreeMap<Slug, BTreeSet<Ts>>,
    assets: bool,
    statics: bool,
}

impl Scope {
    fn of(changes: &[Change]) -> Scope {
        let mut scope = Scope::default();
        for change in changes {
            match change {
                Change::Everything => scope.everything = true,
                Change::Config | Change::Theme => scope.inputs = true,
                Change::User(id) => {
                    scope.users.insert(id.clone());
                }
                Change::Chat(slug) => {
                    scope.chats.insert(slug.clone());
                }
                Change::Message(slug, ts) => {
                    scope
                        .messages
                        .entry(slug.clone())
                        .or_default()
                        .insert(ts.clone());
                }
                Change::Assets => scope.assets = true,
                Change::Static => scope.statics = true,
            }
        }
        scope
    }
}

impl SiteBuilder {
    /// A builder for `project`, starting from the state the last build left.
    pub fn new(project: &Project, keep_loaded: bool, progress: ProgressMode) -> SiteBuilder {
        SiteBuilder {
            state: BuildState::load(&state_path(project)),
            project: project.clone(),
            keep_loaded,
            progress,
            inputs: None,
            directory: Directory::default(),
            hosted: HashMap::new(),
            copies: BTreeMap::new(),
            chats: BTreeMap::new(),
            people_loaded: false,
            recheck: false,
        }
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The loaded config (after a first build).
    pub fn config(&self) -> Option<&Config> {
        self.inputs.as_ref().map(|i| &i.config)
    }

    /// Brings `site/` up to date. With `changes` empty, everything is checked (a cold `build`);
    /// otherwise only what the changes name (plus what depends on it).
    pub fn build(&mut self, changes: &[Change]) -> Result<BuildReport> {
        let started = Instant::now();
        let mut scope = Scope::of(changes);
        if changes.is_empty() || self.inputs.is_none() {
            scope.everything = true;
        }
        if self.recheck {
            scope.everything = true;
        }
        let result = self.build_scope(&scope);
        // A failed build may have stopped halfway through its bookkeeping: next time, check
        // every input again (rendered messages stay cached; only their stamps are compared).
        self.recheck = result.is_err();
        let mut report = result?;
        if !self.keep_loaded || scope.everything {
            self.save_state()?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Writes what the builder knows to `.scrollback/`, for the next cold build.
    pub fn save_state(&mut self) -> Result<()> {
        self.state.save(&state_path(&self.project))
    }

    fn build_scope(&mut self, scope: &Scope) -> Result<BuildReport> {
        let site_dir = self.project.site_dir();
        let writer = SiteWriter::new(&site_dir);
        let mut report = BuildReport::default();

        // Config and theme.
        let previous_global = self.state.global;
        if scope.everything || scope.inputs || self.inputs.is_none() {
            self.inputs = Some(Inputs::load(&self.project)?);
        } else if scope.statics
            && let Some(inputs) = self.inputs.as_mut()
        {
            inputs
                .theme
                .refresh_static(&self.project, &inputs.config.theme)?;
        }
        let global = self.inputs.as_ref().map_or(0, |i| i.global);
        let global_changed = global != previous_global;
        if global_changed {
            // Views depend on the config (time zone, comment tag, links): render them again.
            for chat in self.chats.values_mut() {
                chat.items.clear();
                chat.loaded = false;
            }
            self.state.chats.clear();
        }
        self.state.global = global;

        let mut changed = Deps::default();
        self.refresh_users(scope, &mut changed)?;
        self.refresh_chats(scope, &mut changed)?;
        if scope.everything || scope.assets {
            self.refresh_assets(&mut changed)?;
        }

        let Some(inputs) = self.inputs.as_ref() else {
            unreachable!("inputs are loaded above")
        };
        let mut outputs: BTreeMap<String, OutputRecord> = BTreeMap::new();
        let mut chat_records: BTreeMap<String, ChatRecord> = BTreeMap::new();
        let published: Vec<Slug> = self
            .chats
            .iter()
            .filter(|(_, c)| c.entry.settings.state.is_published())
            .map(|(s, _)| s.clone())
            .collect();
        // Unpublished chats are not built, so changes to them are not followed: forget them.
        for cache in self.chats.values_mut() {
            if !cache.entry.settings.state.is_published() && cache.loaded {
                cache.items.clear();
                cache.loaded = false;
            }
        }
        // Records move from the last build's state to this one's, never copied (a chat's record
        // holds a stamp per message file).
        let mut previous_chats = std::mem::take(&mut self.state.chats);
        let bar = Progress::new(self.progress, "building", published.len() as u64);
        let job = ChatJob {
            project: &self.project,
            inputs,
            directory: &self.directory,
            hosted: &self.hosted,
            state: &self.state,
            writer: &writer,
            changed: &changed,
            scope,
            keep_loaded: self.keep_loaded,
        };
        let jobs: Vec<(&mut ChatCache, Option<ChatRecord>)> = self
            .chats
            .iter_mut()
            .filter(|(_, cache)| cache.entry.settings.state.is_published())
            .map(|(slug, cache)| (cache, previous_chats.remove(slug.as_str())))
            .collect();
        // Chats build side by side: each has stretches that run on one thread (listing its
        // folder, threading, assembling its feeds) that the other chats' work fills.
        let built: Vec<Result<ChatBuilt>> = jobs
            .into_par_iter()
            .map(|(cache, previous)| {
                let mut chat_outputs = BTreeMap::new();
                let mut chat_report = BuildReport::default();
                let record = chat_build(job, cache, previous, &mut chat_outputs, &mut chat_report)?;
                bar.inc(1);
                Ok((record, chat_outputs, chat_report))
            })
            .collect();
        for result in built {
            let (record, chat_outputs, chat_report) = result?;
            outputs.extend(chat_outputs);
            report.absorb(chat_report);
            report.chats += 1;
            report.messages += record.summary.message_count;
            chat_records.insert(record.summary.header.slug.clone(), record);
        }
        bar.finish();

        // The index: every chat's summary.
        let mut summaries: Vec<&ChatSummary> = chat_records.values().map(|r| &r.summary).collect();
        summaries.sort_by(|a, b| {
            let live = |s: &ChatSummary| s.header.state != ChatState::Live.as_str();
            let last = |s: &ChatSummary| s.last.as_ref().map_or(0, |t| t.epoch);
            live(a)
                .cmp(&live(b))
                .then_with(|| last(b).cmp(&last(a)))
                .then_with(|| a.header.slug.cmp(&b.header.slug))
        });
        let mut sig = Signature::new();
        sig.push_u64(inputs.global);
        sig.push_u64(inputs.index_templates);
        sig.push(serde_json::to_vec(&summaries)?);
        let index_sig = sig.finish();
        put(
            &writer,
            &self.state,
            &mut outputs,
            &mut report,
            "index.html",
            index_sig,
            || {
                let owned: Vec<ChatSummary> = summaries.iter().map(|s| (*s).clone()).collect();
                pages::render_index(&inputs.theme, &inputs.site, &inputs.config, &owned)
            },
        )?;

        // Static files of the theme and the site, custom emoji, re-hosted files.
        for (rel, source) in &inputs.theme.static_files {
            let bytes = source.read()?;
            put(
                &writer,
                &self.state,
                &mut outputs,
                &mut report,
                rel,
                hash(&bytes),
                || Ok(bytes.clone()),
            )?;
        }
        for (rel, path) in &self.copies {
            let stamp =
                Stamp::read(path).with_context(|| format!("{} disappeared", path.display()))?;
            let sig = Signature::new()
                .with(path.to_string_lossy().as_bytes())
                .with(stamp.len.to_le_bytes())
                .with(stamp.mtime.to_le_bytes())
                .finish();
            put(
                &writer,
                &self.state,
                &mut outputs,
                &mut report,
                rel,
                sig,
                || std::fs::read(path).with_context(|| format!("cannot read {}", path.display())),
            )?;
        }

        for rel in outputs.keys() {
            writer.keep(rel);
        }
        report.removed = writer.prune()?;
        report.written = writer.written();
        report.bytes_written = writer.bytes_written();
        self.state.outputs = outputs;
        self.state.chats = chat_records;
        self.state.channels = self.directory.channels.clone().into_iter().collect();
        self.state.emoji = self.directory.emoji.clone().into_iter().collect();
        self.state.hosted = self.hosted.clone().into_iter().collect();
        Ok(report)
    }

    /// Reloads users that changed; notes their ids.
    fn refresh_users(&mut self, scope: &Scope, changed: &mut Deps) -> Result<()> {
        let dir = self.project.content_dir().join("users");
        if !self.people_loaded || scope.everything {
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
                self.directory.people = Directory::load_people(&dir)?;
                self.people_loaded = true;
            } else {
                for id in &changed.users {
                    self.reload_person(&dir, id)?;
                }
            }
            self.state.users = stamps;
        } else {
            for id in &scope.users {
                let stamp = Stamp::read(&dir.join(format!("{id}.json")));
                if self.state.users.get(id) != stamp.as_ref() {
                    changed.users.insert(id.clone());
                    self.reload_person(&dir, id)?;
                    match stamp {
                        Some(s) => self.state.users.insert(id.clone(), s),
                        None => self.state.users.remove(id),
                    };
                }
            }
        }
        Ok(())
    }

    fn reload_person(&mut self, dir: &Path, id: &str) -> Result<()> {
        if !crate::content::user::is_valid_user_id(id) {
            return Ok(());
        }
        let path = dir.join(format!("{id}.json"));
        match crate::fsio::read_optional(&path)? {
            Some(bytes) => {
                let raw: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&bytes)
                        .with_context(|| format!("{} is not a valid user file", path.display()))?;
                self.directory
                    .people
                    .insert(id.to_owned(), Person::from_raw(id, &raw));
            }
            None => {
                self.directory.people.remove(id);
            }
        }
        Ok(())
    }

    /// Re-reads chat settings; notes channels whose name or page changed (for mentions).
    fn refresh_chats(&mut self, scope: &Scope, changed: &mut Deps) -> Result<()> {
        let reload = scope.everything || self.chats.is_empty();
        if !reload && scope.chats.is_empty() && !scope.inputs {
            // Nothing names a chat, and links are as they were.
            return Ok(());
        }
        let store = self.project.open_store()?;
        if reload {
            let entries = store.load_channels()?;
            let slugs: BTreeSet<Slug> = entries.iter().map(|e| e.slug.clone()).collect();
            self.chats.retain(|slug, _| slugs.contains(slug));
            for entry in entries {
                let stamp = Stamp::read(&store.channel_file(&entry.slug));
                self.update_chat(entry, stamp);
            }
        } else if !scope.chats.is_empty() {
            let all = store.load_channels()?;
            for slug in &scope.chats {
                match all.iter().find(|e| &e.slug == slug) {
                    Some(entry) => {
                        let stamp = Stamp::read(&store.channel_file(slug));
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
        let mut directory = HashMap::new();
        std::mem::swap(&mut directory, &mut self.directory.channels);
        self.directory
            .add_channels(&entries, |c| inputs.link.chat_from_chat(&c.slug));
        let before: BTreeMap<String, (String, Option<String>)> = if directory.is_empty() {
            self.state.channels.clone()
        } else {
            directory.into_iter().collect()
        };
        let ids: BTreeSet<&String> = before
            .keys()
            .chain(self.directory.channels.keys())
            .collect();
        for id in ids {
            if before.get(id) != self.directory.channels.get(id) {
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
                self.chats.insert(
                    entry.slug.clone(),
                    ChatCache {
                        entry,
                        settings: stamp,
                        items: BTreeMap::new(),
                        loaded: false,
                    },
                );
            }
        }
    }

    /// Re-lists custom emoji and re-hosted files; notes what changed.
    fn refresh_assets(&mut self, changed: &mut Deps) -> Result<()> {
        let Some(inputs) = self.inputs.as_ref() else {
            return Ok(());
        };
        let content = self.project.content_dir();
        let mut emoji = HashMap::new();
        let mut hosted = HashMap::new();
        let mut copies = BTreeMap::new();
        for (name, rel, path) in super::assets_in(&content.join("emoji"), "emoji")? {
            emoji.insert(name, format!("{}{rel}", inputs.link.from_chat));
            copies.insert(rel, path);
        }
        for (name, rel, path) in super::assets_in(&content.join("files"), "files")? {
            // content/files/<FILE_ID>/<name>
            let id = rel.split('/').nth(1).unwrap_or(&name).to_owned();
            let url = format!("{}{}", inputs.link.from_chat, encode_path(&rel));
            hosted.insert(id, (url, super::is_image(&rel)));
            copies.insert(rel, path);
        }
        let before_emoji: HashMap<String, String> = if self.directory.emoji.is_empty() {
            self.state.emoji.clone().into_iter().collect()
        } else {
            std::mem::take(&mut self.directory.emoji)
        };
        for name in before_emoji.keys().chain(emoji.keys()) {
            if before_emoji.get(name) != emoji.get(name) {
                changed.emoji.insert(name.clone());
            }
        }
        let before_hosted: HashMap<String, (String, bool)> = if self.hosted.is_empty() {
            self.state.hosted.clone().into_iter().collect()
        } else {
            std::mem::take(&mut self.hosted)
        };
        for id in before_hosted.keys().chain(hosted.keys()) {
            if before_hosted.get(id) != hosted.get(id) {
                changed.files.insert(id.clone());
            }
        }
        self.directory.emoji = emoji;
        self.hosted = hosted;
        self.copies = copies;
        Ok(())
    }
}

fn state_path(project: &Project) -> PathBuf {
    project.cache_dir().join("build-state.json")
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

/// Writes one output unless the state says it is current; records it either way.
fn put(
    writer: &SiteWriter,
    state: &BuildState,
    outputs: &mut BTreeMap<String, OutputRecord>,
    report: &mut BuildReport,
    rel: &str,
    sig: u64,
    render: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<()> {
    let wrote = if state.is_current(writer.root(), rel, sig) {
        None
    } else {
        Some(writer.put(rel, &render()?)?)
    };
    record(writer, state, outputs, report, rel, sig, wrote);
    Ok(())
}

/// Notes an output in this build's state: kept as it was (`wrote` is `None`), or rendered
/// (and rewritten or not, as `wrote` says).
fn record(
    writer: &SiteWriter,
    state: &BuildState,
    outputs: &mut BTreeMap<String, OutputRecord>,
    report: &mut BuildReport,
    rel: &str,
    sig: u64,
    wrote: Option<bool>,
) {
    let entry = match wrote {
        None => {
            report.unchanged += 1;
            state.outputs.get(rel).copied()
        }
        Some(wrote) => {
            report.rendered += 1;
            if !wrote {
                report.unchanged += 1;
            }
            Stamp::read(&writer.root().join(rel)).map(|stamp| OutputRecord { sig, stamp })
        }
    };
    if let Some(entry) = entry {
        outputs.insert(rel.to_owned(), entry);
    }
}

/// The stamp of each listed message file (`None`: gone since it was listed), read in parallel.
fn stamp_all(listed: BTreeMap<Ts, PathBuf>) -> Vec<(Ts, PathBuf, Option<Stamp>)> {
    listed
        .into_par_iter()
        .map(|(ts, path)| {
            let stamp = Stamp::read(&path);
            (ts, path, stamp)
        })
        .collect()
}

/// The signature of a chat's message files (ts and stamp, in ts order) for [`ChatRecord::files`].
fn files_signature<'a>(files: impl Iterator<Item = (&'a Ts, Stamp)>) -> u64 {
    let mut sig = Signature::new();
    for (ts, stamp) in files {
        sig.push(ts.as_str());
        stamp.sign(&mut sig);
    }
    sig.finish()
}

/// One chat's part of a build: its record, its outputs and what it did.
type ChatBuilt = (ChatRecord, BTreeMap<String, OutputRecord>, BuildReport);

/// What building one chat needs from the builder.
#[derive(Clone, Copy)]
struct ChatJob<'a> {
    project: &'a Project,
    inputs: &'a Inputs,
    directory: &'a Directory,
    hosted: &'a HashMap<String, (String, bool)>,
    state: &'a BuildState,
    writer: &'a SiteWriter,
    changed: &'a Deps,
    scope: &'a Scope,
    keep_loaded: bool,
}

/// Brings one published chat's pages and feeds up to date and returns its record.
fn chat_build(
    job: ChatJob<'_>,
    cache: &mut ChatCache,
    previous_record: Option<ChatRecord>,
    outputs: &mut BTreeMap<String, OutputRecord>,
    report: &mut BuildReport,
) -> Result<ChatRecord> {
    let ChatJob {
        project,
        inputs,
        directory,
        hosted,
        state,
        writer,
        changed,
        scope,
        keep_loaded,
    } = job;
    let slug = cache.entry.slug.clone();
    let store_dir = project
        .content_dir()
        .join("channels")
        .join(slug.as_str())
        .join("messages");
    let previous = previous_record.as_ref();
    let cx = ViewContext {
        directory,
        render: &inputs.render,
        tz: &inputs.tz,
        hosted_files: hosted,
    };

    // Which message files to (re)read.
    let check_all = scope.everything || !cache.loaded;
    let mut to_read: Vec<(Ts, PathBuf)> = Vec::new();
    let mut files_changed = false;
    if check_all {
        let listed = chat::list_messages(&store_dir)?;
        match (cache.loaded, previous) {
            // Never built: nothing to compare with.
            (false, None) => {
                files_changed = true;
                to_read = listed.into_iter().collect();
            }
            // Built before, not in memory: compare with the stamps of the last build. If the
            // chat must be rendered, every file is read.
            (false, Some(p)) => {
                let stamps = stamp_all(listed);
                files_changed = stamps.iter().any(|(_, _, stamp)| stamp.is_none())
                    || p.files
                        != files_signature(
                            stamps.iter().filter_map(|(ts, _, s)| Some((ts, (*s)?))),
                        );
                to_read = stamps.into_iter().map(|(ts, path, _)| (ts, path)).collect();
            }
            // In memory: read again what changed, forget what is gone.
            (true, _) => {
                let stamps = stamp_all(listed);
                let listed_ts: BTreeSet<&Ts> = stamps.iter().map(|(ts, _, _)| ts).collect();
                let gone: Vec<Ts> = cache
                    .items
                    .keys()
                    .filter(|ts| !listed_ts.contains(ts))
                    .cloned()
                    .collect();
                files_changed |= !gone.is_empty();
                for ts in gone {
                    cache.items.remove(&ts);
                }
                for (ts, path, stamp) in stamps {
                    if cache.items.get(&ts).map(|i| i.stamp) != stamp {
                        files_changed = true;
                        to_read.push((ts, path));
                    }
                }
            }
        }
    } else if let Some(hinted) = scope.messages.get(&slug) {
        // The caller saw these change: read them again whatever their stamps say.
        for ts in hinted {
            let path = store_dir.join(format!("{ts}.json"));
            files_changed = true;
            if path.is_file() {
                to_read.push((ts.clone(), path));
            } else {
                cache.items.remove(ts);
            }
        }
    }

    let context = {
        let mut sig = Signature::new();
        sig.push_u64(inputs.global);
        sig.push_u64(inputs.chat_templates);
        sig.push(toml::to_string(&cache.entry.settings).unwrap_or_default());
        sig.finish()
    };
    let deps_touched = !changed.is_empty()
        && match previous {
            Some(p) if !cache.loaded => p.deps.touches(changed),
            _ => cache.items.values().any(|i| i.deps.touches(changed)),
        };
    let unchanged =
        !files_changed && !deps_touched && previous.is_some_and(|p| p.context == context);

    // In memory and untouched: the outputs written last time are current. Not in memory and
    // untouched: the same, as long as they are still on disk as written. (A long-running
    // builder loads the chat anyway: its first change then costs one file, not all.)
    let still_on_disk = |p: &ChatRecord| {
        p.outputs.iter().all(|rel| {
            state
                .outputs
                .get(rel)
                .is_some_and(|o| Stamp::read(&writer.root().join(rel)) == Some(o.stamp))
        })
    };
    let keep = unchanged
        && previous.is_some_and(|p| {
            (cache.loaded && !check_all) || (!cache.loaded && !keep_loaded && still_on_disk(p))
        });
    if keep && let Some(p) = previous_record {
        for rel in &p.outputs {
            if let Some(o) = state.outputs.get(rel) {
                outputs.insert(rel.clone(), *o);
                report.unchanged += 1;
            }
        }
        return Ok(p);
    }

    // Read what changed (everything, when the chat was not in memory).
    if !cache.loaded {
        // `to_read` lists every file (see above).
        cache.items.clear();
    } else if deps_touched {
        for (ts, item) in &cache.items {
            if item.deps.touches(changed) {
                to_read.push((ts.clone(), store_dir.join(format!("{ts}.json"))));
            }
        }
    }
    let config = &inputs.config;
    let fresh: Vec<Item> = to_read
        .par_iter()
        .map(|(_, path)| chat::load_item(path, config, &cx))
        .collect::<Result<_>>()?;
    report.messages_rendered += fresh.iter().filter(|i| i.view.is_some()).count();
    for item in fresh {
        cache.items.insert(item.ts.clone(), item);
    }
    cache.loaded = true;

    let Structure { tops, count } = chat::structure(&cache.items);
    let first = tops
        .iter()
        .filter_map(|t| cache.items.get(&t.ts)?.view.as_ref())
        .find(|(v, _)| !v.tombstone)
        .map(|(v, _)| v.time.clone());
    let url = format!("{}{}/", inputs.link.from_root, slug);
    let header = ChatHeader::new(&cache.entry, first, url);
    let total = pages::page_count(tops.len(), config.page_size);
    let newest = cache
        .items
        .values()
        .rev()
        .filter(|i| i.visibility == chat::Visibility::Published)
        .find_map(|i| i.view.as_ref());
    let summary = ChatSummary {
        header,
        message_count: count,
        last: newest.map(|(v, _): &(_, String)| v.time.clone()),
        last_ts: newest.map(|(v, _)| v.ts.clone()),
        pages: total,
    };
    let header_json = serde_json::to_string(&summary.header)?;
    let top_sigs: Vec<u64> = tops
        .par_iter()
        .map(|t| chat::top_signature(t, &cache.items))
        .collect();

    // Pages.
    let mut chat_outputs = Vec::with_capacity(total + 2);
    let size = config.page_size.max(1);
    let page_sigs: Vec<(usize, String, u64)> = (1..=total)
        .map(|n| {
            let mut sig = Signature::new();
            sig.push_u64(context);
            sig.push(&header_json);
            sig.push_u64(n as u64);
            sig.push_u64(total as u64);
            for s in top_sigs.iter().skip((n - 1) * size).take(size) {
                sig.push_u64(*s);
            }
            (n, chat_page_path(&slug, n), sig.finish())
        })
        .collect();
    let items = &cache.items;
    let render_pages = || -> Vec<Result<Option<(String, u64, bool)>>> {
        page_sigs
            .par_iter()
            .map(|(n, path, sig)| {
                if state.is_current(writer.root(), path, *sig) {
                    return Ok(None);
                }
                let messages: Vec<_> = tops
                    .iter()
                    .skip((n - 1) * size)
                    .take(size)
                    .filter_map(|t| chat::nested_view(t, items))
                    .collect();
                let (path, bytes) = pages::render_chat_page(
                    &inputs.theme,
                    &inputs.site,
                    config,
                    ChatPage {
                        chat: &summary.header,
                        slug: &slug,
                        messages: &messages,
                        n: *n,
                        total,
                    },
                )?;
                let wrote = writer.put(&path, &bytes)?;
                Ok(Some((path, *sig, wrote)))
            })
            .collect()
    };

    // Feeds: the whole chat, assembled from each message's JSON, while the pages render.
    let mut sig = Signature::new();
    sig.push_u64(inputs.global);
    sig.push(serde_json::to_vec(&summary)?);
    for s in &top_sigs {
        sig.push_u64(*s);
    }
    let feed_sig = sig.finish();
    let json_path = format!("{slug}/feed.json");
    let jsonp_path = format!("{slug}/feed.jsonp");
    let feeds_current = state.is_current(writer.root(), &json_path, feed_sig)
        && state.is_current(writer.root(), &jsonp_path, feed_sig);
    let write_feeds = || -> Result<Option<(bool, bool)>> {
        if feeds_current {
            return Ok(None);
        }
        let json = feeds::feed_json(&summary, |out| {
            for (i, top) in tops.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                chat::nested_json(top, items, out);
            }
        });
        let jsonp = feeds::jsonp(&config.feed_callback, &json);
        Ok(Some((
            writer.put(&json_path, &json)?,
            writer.put(&jsonp_path, &jsonp)?,
        )))
    };
    let (rendered, feeds_written) = rayon::join(render_pages, write_feeds);

    for ((_, path, sig), result) in page_sigs.iter().zip(rendered) {
        let wrote = result?.map(|(_, _, wrote)| wrote);
        record(writer, state, outputs, report, path, *sig, wrote);
        chat_outputs.push(path.clone());
    }
    let feeds_written = feeds_written?;
    for (i, path) in [json_path, jsonp_path].into_iter().enumerate() {
        let wrote = feeds_written.map(|(json, jsonp)| if i == 0 { json } else { jsonp });
        record(writer, state, outputs, report, &path, feed_sig, wrote);
        chat_outputs.push(path);
    }

    // The live feed, while the chat is live: small, so live pages can poll it.
    if cache.entry.settings.state == ChatState::Live {
        let live = live::live_json(&summary, &tops, items, &config.live);
        let live_jsonp = feeds::jsonp(&config.live.callback, &live);
        let sig = Signature::new()
            .with(inputs.global.to_le_bytes())
            .with(&live)
            .finish();
        let live_path = format!("{slug}/live.json");
        let live_jsonp_path = format!("{slug}/live.jsonp");
        put(writer, state, outputs, report, &live_path, sig, move || {
            Ok(live)
        })?;
        put(
            writer,
            state,
            outputs,
            report,
            &live_jsonp_path,
            sig,
            move || Ok(live_jsonp),
        )?;
        chat_outputs.push(live_path);
        chat_outputs.push(live_jsonp_path);
    }

    let mut deps = Deps::default();
    for item in cache.items.values() {
        deps.extend(&item.deps);
    }
    let files = files_signature(cache.items.values().map(|i| (&i.ts, i.stamp)));
    let record = ChatRecord {
        settings: cache.settings,
        files,
        deps,
        context,
        summary,
        outputs: chat_outputs,
    };
    if !keep_loaded {
        cache.items.clear();
        cache.loaded = false;
    }
    Ok(record)
}
