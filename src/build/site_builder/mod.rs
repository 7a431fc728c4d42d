//! The incremental site builder: the one engine behind `build`, `watch` and `serve`.
//!
//! A build runs in four steps, each in its own module:
//! 1. `inputs`: load the config and the theme (when they changed);
//! 2. `detect`: notice which users, chats, custom emoji and re-hosted files changed, as the
//!    names messages may have looked up ([`Deps`]);
//! 3. `chat_build`: bring each published chat's pages and feeds up to date, side by side,
//!    deciding what to read and keep with [`plan`](crate::build::incremental::plan);
//! 4. here: the index, the site's sitemap, robots.txt and Atom feed (`discovery`, which also
//!    writes each chat's), the search manifest and page (`search`, likewise), and the static files, then prune what is no longer produced and keep the
//!    new state for the next build.
//!
//! Outputs go through `record::OutputLog`, which renders an output only when its signature
//! changed and notes what it did. The contract is documented in `docs/incremental-builds.md`.

mod chat_build;
mod detect;
mod discovery;
mod elsewhere;
mod inputs;
mod record;
mod search;
mod threads;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::chat::names::Names;
use super::chat::view::HostedFile;
use super::incremental::chat_index::{self, ChatIndex, index_path};
use super::incremental::deps::Deps;
use super::incremental::plan::Mode;
use super::incremental::signature::{Signature, hash};
use super::incremental::state::{BuildState, ChatOutputs, ChatRecord};
use super::outputs::pages::{self, ChatSummary};
use super::outputs::site_writer::SiteWriter;
use super::{BuildReport, BuildTarget, Change, ChangeSet};
use crate::config::Config;
use crate::content::{ChatState, Slug};
use crate::file_stamp::Stamp;
use crate::progress::{Progress, ProgressMode};
use crate::project::Project;
use chat_build::{BuiltChat, ChatCache, ChatJob};
use inputs::Inputs;
use record::{OutputLog, Recorded};

/// The builder of one project's site.
pub struct SiteBuilder {
    project: Project,
    /// Where it writes, and whether drafts are built.
    target: BuildTarget,
    /// Cold (`build`: read a changed chat whole, then forget it) or long-lived (`watch`, `serve`:
    /// keep rendered messages in memory, so a change re-reads only the files it touched).
    mode: Mode,
    progress: ProgressMode,
    inputs: Option<Inputs>,
    /// A cold builder's config and theme, read while it reads the state: a cold `build` builds
    /// right away, and the two were its first 30 ms, one after the other (issue 15). Taken by
    /// the first build.
    preloaded: Option<Result<Inputs>>,
    names: Names,
    hosted: HashMap<String, HostedFile>,
    /// Site path → source, for custom emoji, kept avatars and re-hosted files.
    copies: BTreeMap<String, PathBuf>,
    chats: BTreeMap<Slug, ChatCache>,
    state: BuildState,
    /// Whether `names.people` holds every user.
    people_loaded: bool,
    /// The last build failed: compare every input next time.
    recheck: bool,
    /// The state's outputs are on disk as this builder left them: a long-lived builder's
    /// rebuilds trust their stamps instead of reading each file's (see `OutputLog::is_current`).
    /// Never for a build told to compare everything, nor after a failed build.
    outputs_trusted: bool,
    /// The state file as this builder last loaded or saved it: when another builder saved
    /// since (a `build` run while `watch` runs), the next build compares everything.
    state_file: Option<Stamp>,
}

impl std::fmt::Debug for SiteBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteBuilder")
            .field("project", &self.project)
            .field("mode", &self.mode)
            .field("chats", &self.chats.len())
            .field("recheck", &self.recheck)
            .finish_non_exhaustive()
    }
}

impl SiteBuilder {
    /// A builder of `project`'s `site/`, starting from the state the last build left.
    pub fn new(project: &Project, mode: Mode, progress: ProgressMode) -> SiteBuilder {
        SiteBuilder::with_target(project, BuildTarget::site(project), mode, progress)
    }

    /// A builder writing to `target` (the site, or the drafts preview).
    pub fn with_target(
        project: &Project,
        target: BuildTarget,
        mode: Mode,
        progress: ProgressMode,
    ) -> SiteBuilder {
        let (state, preloaded) = rayon::join(
            || BuildState::load(&target.state),
            || (mode == Mode::Cold).then(|| Inputs::load(project)),
        );
        SiteBuilder {
            state,
            state_file: Stamp::read(&target.state),
            target,
            project: project.clone(),
            mode,
            progress,
            inputs: None,
            preloaded,
            names: Names::default(),
            hosted: HashMap::new(),
            copies: BTreeMap::new(),
            chats: BTreeMap::new(),
            people_loaded: false,
            recheck: false,
            outputs_trusted: false,
        }
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The loaded config (after a first build).
    pub fn config(&self) -> Option<&Config> {
        self.inputs.as_ref().map(|i| &i.config)
    }

    /// Whether the next build compares every input, whatever it is told (it is the first, or
    /// the last one failed).
    pub fn will_recheck(&self) -> bool {
        self.recheck || self.inputs.is_none()
    }

    /// Brings `site/` up to date with what `changes` name (and what depends on them);
    /// [`Change::Everything`] compares every input, as a cold `build` does.
    pub fn build(&mut self, changes: &[Change]) -> Result<BuildReport> {
        let started = Instant::now();
        // Another builder saved the state since this one last did (a `build` run while `watch`
        // runs): it may have rewritten any output, so compare everything once.
        let foreign_save = self.mode == Mode::LongLived
            && self.inputs.is_some()
            && Stamp::read(&self.target.state) != self.state_file;
        if foreign_save {
            // It wrote the chat indexes it built too.
            for cache in self.chats.values_mut() {
                cache.indexed = None;
            }
        }
        let set = ChangeSet::new(changes, self.will_recheck() || foreign_save);
        let result = self.build_changes(&set);
        // A failed build may have stopped halfway through its bookkeeping: next time, check
        // every input again (rendered messages stay cached; only their stamps are compared).
        self.recheck = result.is_err();
        self.outputs_trusted = result.is_ok() && self.mode == Mode::LongLived;
        let mut report = result?;
        if self.mode == Mode::Cold || set.everything {
            self.save_state()?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Writes what the builder knows to `.scrollback/`, for the next cold build: the state, and
    /// the index of each chat in memory that changed since its index was written (a cold build
    /// writes its own as it builds each chat).
    pub fn save_state(&mut self) -> Result<()> {
        let dir = &self.target.index;
        for (slug, cache) in &mut self.chats {
            let Some(record) = self.state.chats.get(slug.as_str()) else {
                continue;
            };
            if cache.loaded && cache.indexed != Some(record.files) {
                let index = ChatIndex::of(&cache.items);
                index.save(&index_path(dir, slug.as_str()))?;
                cache.indexed = Some(index.files());
            }
        }
        chat_index::prune(dir, |slug| self.state.chats.contains_key(slug))?;
        self.state.save(&self.target.state)?;
        self.state_file = Stamp::read(&self.target.state);
        Ok(())
    }

    fn build_changes(&mut self, set: &ChangeSet) -> Result<BuildReport> {
        let writer = SiteWriter::new(&self.target.dir);

        // 1. Config and theme.
        let previous_global = self.state.global;
        let mut dropped: BTreeMap<String, ChatOutputs> = BTreeMap::new();
        if set.everything || set.inputs || self.inputs.is_none() {
            self.inputs = Some(match self.preloaded.take() {
                Some(inputs) => inputs?,
                None => Inputs::load(&self.project)?,
            });
        } else if set.statics
            && let Some(inputs) = self.inputs.as_mut()
        {
            inputs
                .theme
                .refresh_static(&self.project, &inputs.config.theme)?;
        }
        let global = self.inputs.as_ref().map_or(0, |i| i.global);
        if global != previous_global {
            // Views depend on the config (time zone, comment tag, links): render them again.
            for chat in self.chats.values_mut() {
                chat.unload();
            }
            // Their records go with them; the outputs they list stay recorded, so those whose
            // signatures are the same are kept and those no longer produced are pruned.
            dropped = std::mem::take(&mut self.state.chats)
                .into_iter()
                .map(|(slug, record)| (slug, record.outputs))
                .collect();
        }
        self.state.global = global;

        // 2. What the messages may have looked up.
        let mut changed = Deps::default();
        self.refresh_users(set, &mut changed)?;
        self.refresh_chats(set, &mut changed)?;
        // Their URLs start with the config's `base_url`: a config change may change them all.
        if set.everything || set.assets || global != previous_global {
            self.refresh_assets(&mut changed)?;
        }

        // 3. The chats.
        let Some(inputs) = self.inputs.as_ref() else {
            unreachable!("inputs are loaded above")
        };
        // Unpublished chats are not built, so changes to them are not followed: forget them.
        let target = &self.target;
        for cache in self.chats.values_mut() {
            if !target.includes(cache.entry.settings.state) && cache.loaded {
                cache.unload();
            }
        }
        // Records move from the last build's state to this one's, never copied.
        let mut previous_chats = std::mem::take(&mut self.state.chats);
        type Job<'c> = (&'c mut ChatCache, Option<ChatRecord>, Option<ChatOutputs>);
        let jobs: Vec<Job<'_>> = self
            .chats
            .iter_mut()
            .filter(|(_, cache)| target.includes(cache.entry.settings.state))
            .map(|(slug, cache)| {
                let slug = slug.as_str();
                (cache, previous_chats.remove(slug), dropped.remove(slug))
            })
            .collect();
        let bar = Progress::new(self.progress, "building", jobs.len() as u64);
        let layout = self.project.content_layout();
        let trusted = self.outputs_trusted && !set.everything;
        let job = ChatJob {
            layout: &layout,
            inputs,
            names: &self.names,
            hosted: &self.hosted,
            writer: &writer,
            changed: &changed,
            set,
            mode: self.mode,
            discover: !target.drafts && !inputs.config.base_url().is_empty(),
            index_dir: &target.index,
            trusted,
        };
        // Chats build side by side: each has stretches that run on one thread (listing its
        // folder, threading, assembling its feeds) that the other chats' work fills.
        // A long-lived builder's rebuild removes what its last build made and this one did not;
        // a cold or full build walks `site/` for anything else too, while the chats build.
        let prune_previous = self.mode == Mode::LongLived && !set.everything;
        let (built, listing) = rayon::join(
            || -> Vec<Result<BuiltChat>> {
                jobs.into_par_iter()
                    .map(|(cache, previous, dropped)| {
                        let built = chat_build::build_chat(job, cache, previous, dropped)?;
                        bar.inc(1);
                        Ok(built)
                    })
                    .collect()
            },
            || (!prune_previous).then(|| writer.list()),
        );
        // The site's own outputs are recorded in place too (see `record`).
        let mut log = OutputLog::new(&writer, std::mem::take(&mut self.state.outputs), trusted);
        let mut chat_records: BTreeMap<String, ChatRecord> = BTreeMap::new();
        // The last build's outputs that this one did not produce: those of the chats no longer
        // built (deleted, unpublished), and what each chat built no longer has.
        let mut gone: Vec<String> = previous_chats
            .into_iter()
            .map(|(slug, r)| (slug, r.outputs))
            .chain(dropped)
            .flat_map(|(slug, outputs)| outputs.into_paths(&slug).collect::<Vec<_>>())
            .collect();
        for result in built {
            let BuiltChat {
                record,
                report,
                gone: chat_gone,
            } = result?;
            log.report.absorb(report);
            log.report.chats += 1;
            log.report.messages += record.summary.message_count;
            gone.extend(chat_gone);
            chat_records.insert(record.summary.header.slug.clone(), record);
        }
        bar.finish();

        // 4. The index, every chat's summary; static files (and their fingerprinted copies), custom
        // emoji, kept avatars, re-hosted files.
        let mut summaries: Vec<&ChatSummary> = chat_records.values().map(|r| &r.summary).collect();
        summaries.sort_by(|a, b| {
            let live = |s: &ChatSummary| s.header.state != ChatState::Live.as_str();
            let last = |s: &ChatSummary| s.last.as_ref().map_or(0, |t| t.epoch);
            live(a)
                .cmp(&live(b))
                .then_with(|| last(b).cmp(&last(a)))
                .then_with(|| a.header.slug.cmp(&b.header.slug))
        });
        let mut sig = inputs.index_context();
        sig.push(serde_json::to_vec(&summaries)?);
        log.put("index.html", sig.finish(), || {
            let owned: Vec<ChatSummary> = summaries.iter().map(|s| (*s).clone()).collect();
            pages::render_index(&inputs.theme, &inputs.site, &inputs.config, &owned)
        })?;
        let note = discovery::site_outputs(inputs, &self.target, &chat_records, &mut log)?;
        log.report.notes.extend(note);
        let note = search::site_outputs(inputs, &chat_records, &mut log)?;
        log.report.notes.extend(note);
        for (rel, source) in &inputs.theme.static_files {
            let bytes = source.read()?;
            log.put(rel, hash(&bytes), || Ok(bytes.clone()))?;
        }
        // Style sheets and scripts again under their fingerprinted names, with the bytes those
        // names were made from; superseded names are pruned below like any output.
        for copy in inputs.theme.assets.fingerprinted().values() {
            log.put(&copy.path, hash(&copy.bytes), || Ok(copy.bytes.to_vec()))?;
        }
        for (rel, path) in &self.copies {
            let stamp =
                Stamp::read(path).with_context(|| format!("{} disappeared", path.display()))?;
            let sig = Signature::new()
                .with(path.to_string_lossy().as_bytes())
                .with(stamp.len.to_le_bytes())
                .with(stamp.mtime.to_le_bytes())
                .finish();
            log.put(rel, sig, || {
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
            })?;
        }

        let Recorded {
            records: outputs,
            gone: site_gone,
            mut report,
        } = log.finish();
        gone.extend(site_gone);
        let claimed = |rel: &str| {
            outputs.contains_key(rel)
                || chat_records
                    .iter()
                    .any(|(slug, r)| r.outputs.contains(slug, rel))
        };
        report.removed = match listing {
            // An output may have changed owners (a path one chat had and another has now).
            None => writer
                .prune_previous(gone.iter().map(String::as_str).filter(|rel| !claimed(rel)))?,
            Some(listing) => {
                // Every file under `site/` is asked: one set of every output, not a search of
                // each chat's.
                let all: HashSet<Cow<'_, str>> = outputs
                    .keys()
                    .map(|p| Cow::Borrowed(p.as_str()))
                    .chain(
                        chat_records
                            .iter()
                            .flat_map(|(slug, r)| r.outputs.paths(slug)),
                    )
                    .collect();
                writer.prune_listed(listing?, |rel| all.contains(rel))?
            }
        };
        report.written = writer.written();
        report.bytes_written = writer.bytes_written();
        self.state.outputs = outputs;
        self.state.chats = chat_records;
        self.state.channels = self.names.channels.clone().into_iter().collect();
        self.state.emoji = self.names.emoji.clone().into_iter().collect();
        self.state.avatars = self.names.avatars.clone().into_iter().collect();
        self.state.hosted = self.hosted.clone().into_iter().collect();
        Ok(report)
    }
}
