//! The publisher: one thread that applies recorded events to the content tree and rebuilds.
//!
//! It is the only writer of `content/` and `site/` in `serve`. Events queue up in a channel while
//! it works; each round takes everything queued (and waits a few milliseconds more while events
//! keep coming, so a burst gives one build), applies the round through one store batch, notes the
//! journal position, then asks the [`HotBuilder`] (the long-lived builder `watch` uses too) for an
//! incremental build of exactly the messages, chats and users the round touched. When idle it looks at the chats'
//! `channel.toml` files, so `scrollback publish`/`archive` run beside a live `serve` take effect
//! within a couple of seconds.
//!
//! With a Slack token it also names the ids it has no user file for ([`super::names`]): it queues
//! them as it applies events and, after a round or when idle, writes what Slack answered into
//! `content/users/` and rebuilds what shows those names. It never waits for Slack.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::journal::{Entry, Paths};
use super::names::NameLookups;
use super::uploads::UploadKeeper;
use crate::build::hot_builder::{AfterBuild, Rebuild, RoundTiming, gather_round};
use crate::build::{BuildReport, Change, HotBuilder};
use crate::content::{Slug, WriteOutcome};
use crate::events::{self, Applied, EditorialPolicy, Parked};
use crate::file_stamp::Stamp;
use crate::progress::ProgressMode;
use crate::project::Project;
use crate::slack::SlackClient;

/// Called after every build with its report (`report.written` and `report.removed` name the
/// site paths that changed): the seam for deploying each change as it is published.
pub type OnPublish = Box<dyn FnMut(&BuildReport) + Send>;

/// A round keeps collecting while events arrive 15 ms apart, for at most 100 ms.
const ROUND: RoundTiming = RoundTiming {
    settle: Duration::from_millis(15),
    max: Duration::from_millis(100),
};
/// How often an idle publisher looks at `channel.toml` files.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// What `/healthz` reports.
#[derive(Debug, Default)]
pub struct Status {
    /// The first full build is done.
    pub ready: AtomicBool,
    pub events_applied: AtomicU64,
    pub builds: AtomicU64,
    pub last_build_ms: AtomicU64,
    /// The last build failed (the next one checks everything).
    pub failing: AtomicBool,
}

pub struct Publisher {
    project: Project,
    builder: HotBuilder,
    paths: Paths,
    parked: Parked,
    parked_path: PathBuf,
    status: Arc<Status>,
    /// The last entry applied, for the journal's thread.
    applied: Arc<AtomicU64>,
    /// Each chat's `channel.toml` stamp, as last seen.
    settings: BTreeMap<Slug, Option<Stamp>>,
    /// Conversations whose ignored events were already reported.
    untracked_reported: BTreeSet<String>,
    /// The last entry applied to `content/` (durably: commits sync) but not yet marked applied
    /// in the journal.
    unapplied_through: Option<u64>,
    /// Look-ups of unknown users and bots; `None` without a Slack token.
    names: Option<NameLookups>,
    uploads: Option<UploadKeeper>,
    /// Who may act from Slack, and which reactions are acts.
    editorial: EditorialPolicy,
}

impl Publisher {
    pub fn new(
        project: &Project,
        paths: Paths,
        status: Arc<Status>,
        applied: Arc<AtomicU64>,
        editorial: EditorialPolicy,
        on_publish: Option<OnPublish>,
    ) -> Publisher {
        let parked_path = paths.dir.join("parked.json");
        Publisher {
            project: project.clone(),
            builder: HotBuilder::new(project, ProgressMode::Quiet)
                .after_build(after_build(status.clone(), on_publish)),
            parked: Parked::load(&parked_path),
            parked_path,
            paths,
            status,
            applied,
            settings: BTreeMap::new(),
            untracked_reported: BTreeSet::new(),
            unapplied_through: None,
            names: None,
            uploads: None,
            editorial,
        }
    }

    /// Looks up unknown authors with `client` (with a token).
    pub fn looking_up_names(mut self, client: Option<SlackClient>) -> Publisher {
        self.names = NameLookups::start(&self.project, client);
        self
    }

    /// Keeps the uploads of published chats as they are shared (with a token).
    pub fn keeping_uploads(mut self, uploads: Option<UploadKeeper>) -> Publisher {
        self.uploads = uploads;
        self
    }

    /// Replays `pending` (recorded, not applied before the last stop), builds everything once,
    /// then publishes events from `entries` until the channel closes.
    pub fn run(mut self, pending: Vec<Entry>, entries: mpsc::Receiver<Entry>) {
        // Events that cannot be applied stay here (and in the journal, whose `applied` position
        // never passes them) and are tried again with growing pauses.
        let mut backlog: Vec<Entry> = Vec::new();
        let mut retry = Retry::default();
        if !pending.is_empty() {
            tracing::info!(
                "replaying {} not applied before the last stop",
                crate::human::count(pending.len(), "recorded event", "recorded events")
            );
            // The full build below covers what they change.
            if let Err(e) = self.apply(&pending) {
                retry.failed(&e, pending.len());
                backlog = pending;
            }
        }
        // The chats' settings as they are before the start-up build reads them: a `publish` or
        // `archive` run meanwhile then shows as a change at the first idle look (issue 11).
        self.settings = self.settings_stamps().unwrap_or_default();
        self.mark_applied();
        self.builder.rebuild(&[Change::Everything]);
        self.status.ready.store(true, Ordering::SeqCst);

        let mut open = true;
        while open || !backlog.is_empty() {
            let wait = if backlog.is_empty() {
                IDLE_CHECK
            } else {
                retry.wait()
            };
            match entries.recv_timeout(wait) {
                Ok(first) => {
                    backlog.push(first);
                    open = gather_round(&entries, &mut backlog, ROUND);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if backlog.is_empty() {
                        self.idle();
                        continue;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
            if backlog.is_empty() || (open && !retry.is_due()) {
                continue;
            }
            match self.apply(&backlog) {
                Ok(changes) => {
                    if retry.recovered() {
                        tracing::info!(
                            "applied the {} waiting",
                            crate::human::count(backlog.len(), "event", "events")
                        );
                    }
                    backlog.clear();
                    // Before the build: a crash during it then replays nothing. A replay is
                    // meant to change nothing, but one case still can (fuzz/README.md, the
                    // `apply_event` finding), so the window stays as small as one write.
                    self.mark_applied();
                    self.builder.rebuild(&changes);
                    self.publish_names();
                    self.publish_uploads();
                }
                Err(e) => {
                    retry.failed(&e, backlog.len());
                    if !open {
                        // Stopping: they stay in the journal for the next start.
                        break;
                    }
                }
            }
        }
        self.mark_applied();
        if let Err(e) = self.builder.save_state() {
            tracing::warn!("cannot save the build state: {e:#}");
        }
    }

    /// Lets the journal know it may forget the entries applied so far (their files are
    /// durable: commits sync). Until then, a crash replays them.
    fn mark_applied(&mut self) {
        let Some(seq) = self.unapplied_through else {
            return;
        };
        match self.paths.write_applied(seq) {
            Ok(()) => {
                self.unapplied_through = None;
                self.applied.store(seq, Ordering::Release);
            }
            Err(e) => tracing::warn!(
                "cannot record how far events are applied: {e:#}; they stay in the journal"
            ),
        }
    }

    /// Applies entries through one store batch; returns what the build must look at. On an
    /// error nothing of the round lands (the batch is dropped, parked reactions are read back),
    /// so the round can be tried again whole.
    fn apply(&mut self, entries: &[Entry]) -> Result<Vec<Change>> {
        let result = self.apply_round(entries);
        if result.is_err() {
            self.parked = Parked::load(&self.parked_path);
        }
        result
    }

    fn apply_round(&mut self, entries: &[Entry]) -> Result<Vec<Change>> {
        let started = Instant::now();
        let mut store = self.project.open_store()?;
        let mut batch = store.begin()?;
        let mut applied = Applied::default();
        for entry in entries {
            let Some(envelope) = entry.event.as_object() else {
                tracing::warn!("journal entry {} holds no event: skipped", entry.seq);
                continue;
            };
            match events::parse_recorded(envelope) {
                Ok(callback) => {
                    // Unknown authors of followed chats are looked up off this thread.
                    if let Some(names) = self.names.as_mut()
                        && super::names::channel_of(&callback.event)
                            .is_some_and(|c| batch.slug_for_channel(c).is_some())
                    {
                        names.want_from(&callback.event, |id| batch.has_user(id));
                    }
                    if let Some(uploads) = self.uploads.as_mut()
                        && let events::Event::Message { channel, message }
                        | events::Event::Changed {
                            channel, message, ..
                        } = &callback.event
                        && let Some(slug) = batch.slug_for_channel(channel).cloned()
                        && batch.chat_state(&slug).is_ok_and(|s| s.is_published())
                    {
                        uploads.want_from(&slug, message);
                    }
                    let received = crate::content::Ts::from_micros(entry.at.saturating_mul(1000));
                    if let Err(e) = events::apply(
                        &mut batch,
                        &callback.event,
                        Some(&received),
                        &self.editorial,
                        &mut self.parked,
                        &mut applied,
                    ) {
                        // The disk failed (full, read-only, a file where a folder should be):
                        // the whole round waits for it. Anything else is about the event
                        // itself, and retrying would not change it.
                        if crate::fsio::is_disk_error(&e) {
                            return Err(e.context(format!(
                                "cannot apply event {} ({})",
                                entry.id,
                                events::describe(&callback.event)
                            )));
                        }
                        tracing::warn!(
                            "event {} ({}) not applied: {e:#}",
                            entry.id,
                            events::describe(&callback.event)
                        );
                    }
                }
                Err(e) => tracing::warn!("event {} not applied: {e}", entry.id),
            }
        }
        let files = batch.len();
        batch
            .commit()
            .context("cannot write the events into content/")?;
        self.parked.save(&self.parked_path)?;
        if let Some(last) = entries.last() {
            self.unapplied_through = Some(last.seq);
        }
        self.status
            .events_applied
            .fetch_add(entries.len() as u64, Ordering::Relaxed);
        for (slug, ts) in &applied.held {
            tracing::info!(
                "new message {ts} in `{slug}` recorded, not published: the chat is archived \
                 (remove \"held\" from content/channels/{slug}/messages/{ts}.json to publish it)"
            );
        }
        // Once per conversation and run: a busy workspace sends many (issue 12).
        for channel in applied.untracked {
            if self.untracked_reported.insert(channel.clone()) {
                tracing::info!(
                    "events for Slack conversation {channel} are ignored: no chat follows it \
                     (`scrollback channel add {channel} --slug SLUG --headline \"…\"` makes one)"
                );
            }
        }
        tracing::debug!(
            "applied {} ({}) in {:.1} ms",
            crate::human::count(entries.len(), "event", "events"),
            crate::human::count(files, "file", "files"),
            started.elapsed().as_secs_f64() * 1000.0
        );
        // The chats themselves too: one added by `channel add` since the last build is new to
        // the builder (an unchanged chat costs a comparison).
        let mut changes = applied.changes;
        let slugs: BTreeSet<Slug> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Message(slug, _) => Some(slug.clone()),
                _ => None,
            })
            .collect();
        changes.extend(slugs.into_iter().map(Change::Chat));
        Ok(changes)
    }

    /// Writes the names Slack answered since last time into `content/users/` (through a store
    /// batch, like events) and rebuilds what shows them. A record that cannot be written is
    /// looked up again later.
    fn publish_names(&mut self) {
        let Some(names) = self.names.as_mut() else {
            return;
        };
        let layout = self.project.content_layout();
        names.want_scanned(|id| super::names_in_content::has_file(&layout, id));
        let found = names.take_found();
        if found.is_empty() {
            return;
        }
        let written = (|| -> Result<Vec<Change>> {
            let mut store = self.project.open_store()?;
            let mut batch = store.begin()?;
            let mut changes = Vec::new();
            for user in &found {
                let id = user.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                if batch.put_user(user.clone())? != WriteOutcome::Unchanged {
                    changes.push(Change::User(id.to_owned()));
                }
            }
            batch
                .commit()
                .context("cannot write the names into content/users/")?;
            Ok(changes)
        })();
        match written {
            Ok(changes) if changes.is_empty() => {}
            Ok(changes) => {
                tracing::info!(
                    "looked up {}",
                    crate::human::count(changes.len(), "name", "names")
                );
                self.builder.rebuild(&changes);
            }
            Err(e) => {
                tracing::warn!("{e:#}");
                for user in &found {
                    if let (Some(names), Some(id)) =
                        (self.names.as_mut(), user.get("id").and_then(|v| v.as_str()))
                    {
                        names.not_written(id);
                    }
                }
            }
        }
    }

    /// Between events: publish looked-up names; retry a failed build; notice chats whose
    /// settings changed.
    /// Rebuilds the messages whose uploads were kept since the last look.
    fn publish_uploads(&mut self) {
        let Some(uploads) = self.uploads.as_mut() else {
            return;
        };
        let kept = uploads.take_kept();
        if kept.is_empty() {
            return;
        }
        let mut changes = vec![Change::Assets];
        changes.extend(kept.into_iter().map(|(slug, ts)| Change::Message(slug, ts)));
        self.builder.rebuild(&changes);
    }

    fn idle(&mut self) {
        self.publish_names();
        self.publish_uploads();
        if self.builder.is_failing() {
            self.builder.retry_if_failing();
            return;
        }
        let Some(now) = self.settings_stamps() else {
            return;
        };
        if now == self.settings {
            return;
        }
        let changes: Vec<Change> = now
            .keys()
            .chain(self.settings.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|slug| now.get(*slug) != self.settings.get(*slug))
            .map(|slug| Change::Chat(slug.clone()))
            .collect();
        self.settings = now;
        if !changes.is_empty() {
            tracing::info!(
                "settings changed for {}",
                crate::human::count(changes.len(), "chat", "chats")
            );
            self.builder.rebuild(&changes);
        }
    }

    /// The `channel.toml` stamps of every chat folder. A folder that cannot be listed is
    /// logged and looked at again next time (nothing is published from a half-read list).
    fn settings_stamps(&self) -> Option<BTreeMap<Slug, Option<Stamp>>> {
        match self.project.content_layout().chat_folders() {
            Ok(folders) => Some(
                folders
                    .into_iter()
                    .map(|f| (f.slug, f.settings.as_ref().map(Stamp::of)))
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!("cannot look at the chats' settings: {e:#}");
                None
            }
        }
    }
}

/// Growing pauses between attempts to apply events the disk refused: the first retry after
/// 100 ms, then twice as long each time, at most 10 s.
#[derive(Debug, Default)]
struct Retry {
    /// Attempts failed in a row.
    failures: u32,
    next: Option<Instant>,
}

impl Retry {
    const FIRST: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(10);

    fn failed(&mut self, e: &anyhow::Error, events: usize) {
        self.failures += 1;
        let pause = Self::FIRST
            .saturating_mul(1 << self.failures.min(8).saturating_sub(1))
            .min(Self::MAX);
        self.next = Some(Instant::now() + pause);
        tracing::error!(
            "cannot apply {} (attempt {}): {e:#}; they stay in the journal, \
             trying again in {}",
            crate::human::count(events, "event", "events"),
            self.failures,
            crate::human::seconds(pause.as_secs_f64())
        );
    }

    /// How long to wait for more events before trying again.
    fn wait(&self) -> Duration {
        self.next.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        })
    }

    fn is_due(&self) -> bool {
        self.wait().is_zero()
    }

    /// Notes a success; whether it ended a run of failures.
    fn recovered(&mut self) -> bool {
        let was_failing = self.failures > 0;
        *self = Retry::default();
        was_failing
    }
}

/// After each build: count it for `/healthz`, log what it published, and hand the report to the
/// deploy hook.
fn after_build(status: Arc<Status>, mut on_publish: Option<OnPublish>) -> AfterBuild {
    Box::new(move |rebuild: &Rebuild<'_>| match rebuild.result {
        Ok(report) => {
            status.failing.store(false, Ordering::Relaxed);
            status.builds.fetch_add(1, Ordering::Relaxed);
            status
                .last_build_ms
                .store((report.seconds * 1000.0) as u64, Ordering::Relaxed);
            if report.changed_site() {
                tracing::info!("published: {}", report.short());
            }
            if let Some(hook) = on_publish.as_mut() {
                hook(report);
            }
        }
        Err(e) => {
            status.failing.store(true, Ordering::Relaxed);
            tracing::error!("build failed: {e:#}");
        }
    })
}
