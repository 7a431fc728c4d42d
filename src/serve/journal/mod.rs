//! The event journal: an acknowledged event is never lost.
//!
//! Slack expects a 200 within 3 seconds and then forgets the event. So before answering, the
//! receiver appends the event to `.scrollback/events/journal.jsonl` and fsyncs it; applying it to
//! the content tree and rebuilding come after. A process killed right after the 200 finds the event
//! in the journal at startup and applies it then.
//!
//! - One thread owns the file ([`run_writer`]): requests arriving together share one fsync
//!   (group commit), which is what keeps a burst of events cheap.
//! - Each entry gets a sequence number; `applied` holds the last one applied to `content/`.
//!   Entries after it are replayed at startup. Applying is idempotent, so replaying an entry that
//!   was applied just before a crash changes nothing.
//! - Slack retries an event it thinks failed (`X-Slack-Retry-Num`) with the same `event_id`; ids
//!   seen recently (the journal's, plus `seen.json`'s) are acknowledged without recording them
//!   again, also across a restart. The window is bounded in time and count.
//! - Once everything is applied and the journal has grown past [`COMPACT_BYTES`], it is emptied;
//!   the ids it held move to `seen.json` first.
//!
//! The publisher advances `applied` only once the `content/` files the entries produced are
//! fsynced (after each round's build), so neither a killed process nor a machine losing power
//! loses an acknowledged event: whatever is not surely in `content/` is still in the journal.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fsio;

/// The journal is emptied once it is this large and fully applied.
pub const COMPACT_BYTES: u64 = 8 << 20;
/// Event ids are remembered this long (Slack retries within minutes; an hour is plenty)…
pub const SEEN_WINDOW_MS: u64 = 2 * 60 * 60 * 1000;
/// …and at most this many.
pub const SEEN_MAX: usize = 200_000;

/// One recorded event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// Slack's `event_id`.
    pub id: String,
    /// When it was received (Unix milliseconds).
    pub at: u64,
    /// The whole `event_callback` envelope.
    pub event: Value,
}

/// An entry as one journal line. The event is kept as JSON *text* (a string), so a line nests
/// two levels whatever the event holds: an event that parsed on arrival always parses again from
/// its line. (Kept as a nested value, the line's own levels counted against serde_json's depth
/// limit, so a deeply nested event was acknowledged, then unreadable at the next start; issue 11.)
#[derive(Serialize, Deserialize)]
struct Line {
    seq: u64,
    id: String,
    at: u64,
    /// The `event_callback` envelope's JSON.
    #[serde(default)]
    event_json: Option<String>,
    /// Journals written before `event_json` held the envelope itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Value>,
}

impl Line {
    fn of(entry: &Entry) -> serde_json::Result<Line> {
        Ok(Line {
            seq: entry.seq,
            id: entry.id.clone(),
            at: entry.at,
            event_json: Some(serde_json::to_string(&entry.event)?),
            event: None,
        })
    }

    fn into_entry(self) -> serde_json::Result<Entry> {
        let event = match (self.event_json, self.event) {
            (Some(text), _) => serde_json::from_str(&text)?,
            (None, Some(event)) => event,
            (None, None) => Value::Null,
        };
        Ok(Entry {
            seq: self.seq,
            id: self.id,
            at: self.at,
            event,
        })
    }
}

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Written and fsynced as entry `seq`.
    Recorded(u64),
    /// The event id was seen recently: a retry.
    Duplicate,
}

/// A request to the journal's thread.
#[derive(Debug)]
pub enum Request {
    /// Record an event (answered once it is on disk).
    Append {
        id: String,
        event: Value,
        reply: tokio::sync::oneshot::Sender<Result<Ack, String>>,
    },
}

/// The message every caller gets when the journal's thread is gone (serve is stopping).
pub const STOPPED: &str = "the journal stopped";

/// Asks the journal's thread to record `event` under `id`: the answer comes once it is on disk
/// (or why not). The one way events, editors' acts and caught-up messages are recorded.
pub async fn append(
    journal: &mpsc::Sender<Request>,
    id: String,
    event: Value,
) -> Result<Ack, String> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    if journal.send(Request::Append { id, event, reply }).is_err() {
        return Err(STOPPED.into());
    }
    answer.await.unwrap_or_else(|_| Err(STOPPED.into()))
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Seen {
    /// The last sequence number the journal held when it was emptied.
    through: u64,
    /// (event id, received at), oldest first.
    ids: Vec<(String, u64)>,
}

/// The journal's files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub dir: PathBuf,
}

impl Paths {
    pub fn new(dir: &Path) -> Paths {
        Paths {
            dir: dir.to_owned(),
        }
    }

    pub fn journal(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }

    pub fn applied(&self) -> PathBuf {
        self.dir.join("applied")
    }

    fn seen(&self) -> PathBuf {
        self.dir.join("seen.json")
    }

    /// Notes that entries up to `seq` are applied. Not fsynced: losing it only means replaying
    /// (idempotently) a little more after a crash.
    pub fn write_applied(&self, seq: u64) -> Result<()> {
        fsio::write_private(&self.applied(), format!("{seq}\n").as_bytes())
    }

    fn read_applied(&self) -> Result<u64> {
        let path = self.applied();
        Ok(match fsio::read_optional(&path)? {
            None => 0,
            Some(bytes) => String::from_utf8_lossy(&bytes)
                .trim()
                .parse()
                .with_context(|| format!("{} does not hold a number", path.display()))?,
        })
    }
}

/// The open journal (owned by its thread).
#[derive(Debug)]
pub struct Journal {
    paths: Paths,
    file: File,
    len: u64,
    next_seq: u64,
    last_written: u64,
    applied: u64,
    seen: HashMap<String, u64>,
    order: VecDeque<(String, u64)>,
    /// After a write error that could not be undone, nothing more is recorded (every request
    /// gets an error, so Slack retries) until a restart.
    broken: bool,
}

/// What [`Journal::open`] found.
#[derive(Debug)]
pub struct Recovered {
    pub journal: Journal,
    /// Recorded entries not yet applied, oldest first.
    pub pending: Vec<Entry>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Journal {
    /// Opens (or creates) the journal in `paths.dir` and reads what is not applied yet.
    ///
    /// Only an unfinished last line (the process died while writing it, before acknowledging
    /// it: entries are written whole, newline last, and fsynced before the 200) is cut off. A
    /// whole line that cannot be read is damage, not a torn write: it is skipped, loudly, and
    /// every byte of the file is kept, so what follows it is never lost.
    pub fn open(paths: Paths) -> Result<Recovered> {
        fs::create_dir_all(&paths.dir)
            .with_context(|| format!("cannot create {}", paths.dir.display()))?;
        // Raw events hold message text from private channels and Slack's tokens: for this
        // user's eyes only (issue 11).
        private(&paths.dir, 0o700)?;
        let seen_file: Seen = match fsio::read_optional(&paths.seen())? {
            Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{} is damaged ({e}): retries of earlier events may be applied again (harmless)",
                    paths.seen().display()
                );
                Seen::default()
            }),
            None => Seen::default(),
        };
        let applied = paths.read_applied()?.max(seen_file.through);
        let path = paths.journal();
        let mut file = private_options()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        private(&path, 0o600)?;
        sync_dir(&paths.dir);

        let mut entries = Vec::new();
        let mut whole_len = 0u64;
        {
            let mut reader = BufReader::new(&mut file);
            reader.seek(SeekFrom::Start(0))?;
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', &mut line)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                if n == 0 || line.last() != Some(&b'\n') {
                    break; // the end, or an unfinished last line
                }
                let at = whole_len;
                whole_len += n as u64;
                match serde_json::from_slice::<Line>(&line).and_then(Line::into_entry) {
                    Ok(entry) => entries.push(entry),
                    Err(e) => tracing::error!(
                        "{}: skipping a damaged entry at byte {at} ({e}); the file is kept as it is",
                        path.display()
                    ),
                }
            }
        }
        let file_len = file.metadata()?.len();
        if whole_len != file_len {
            tracing::warn!(
                "{}: cutting {} bytes of an unfinished last entry (never acknowledged)",
                path.display(),
                file_len - whole_len
            );
            file.set_len(whole_len)
                .with_context(|| format!("cannot truncate {}", path.display()))?;
            file.sync_all()?;
        }
        let good_len = whole_len;

        let mut order: VecDeque<(String, u64)> = seen_file.ids.into_iter().collect();
        let mut last = seen_file.through.max(applied);
        for e in &entries {
            order.push_back((e.id.clone(), e.at));
            last = last.max(e.seq);
        }
        let seen = order.iter().cloned().collect();
        let pending: Vec<Entry> = entries.into_iter().filter(|e| e.seq > applied).collect();
        let mut journal = Journal {
            paths,
            file,
            len: good_len,
            next_seq: last + 1,
            last_written: last,
            applied,
            seen,
            order,
            broken: false,
        };
        journal.prune_seen(now_ms());
        Ok(Recovered { journal, pending })
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// Records events, one fsync for all of them. Returns one answer per event, and the entries
    /// written (for the publisher).
    pub fn append(
        &mut self,
        events: Vec<(String, Value)>,
    ) -> (Vec<Result<Ack, String>>, Vec<Entry>) {
        let at = now_ms();
        let mut answers = Vec::with_capacity(events.len());
        let mut written = Vec::new();
        let mut bytes = Vec::new();
        for (id, event) in events {
            if self.broken {
                answers.push(Err("the journal is not writable".to_owned()));
                continue;
            }
            if self.seen.contains_key(&id) || written.iter().any(|e: &Entry| e.id == id) {
                answers.push(Ok(Ack::Duplicate));
                continue;
            }
            let entry = Entry {
                seq: self.next_seq + written.len() as u64,
                id,
                at,
                event,
            };
            match Line::of(&entry).and_then(|line| serde_json::to_vec(&line)) {
                Ok(line) => {
                    bytes.extend_from_slice(&line);
                    bytes.push(b'\n');
                    answers.push(Ok(Ack::Recorded(entry.seq)));
                    written.push(entry);
                }
                Err(e) => answers.push(Err(format!("cannot encode the event: {e}"))),
            }
        }
        if written.is_empty() {
            return (answers, written);
        }
        let result = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = result {
            tracing::error!(
                "cannot write {}: {e}; the events are not acknowledged (Slack will retry)",
                self.paths.journal().display()
            );
            // Take back a partial write, so a later entry never follows a torn one.
            if self
                .file
                .set_len(self.len)
                .and_then(|()| self.file.sync_all())
                .is_err()
            {
                tracing::error!(
                    "cannot undo a partial write: recording no more events until a restart"
                );
                self.broken = true;
            }
            let msg = format!("cannot write the journal: {e}");
            for answer in &mut answers {
                if matches!(answer, Ok(Ack::Recorded(_))) {
                    *answer = Err(msg.clone());
                }
            }
            return (answers, Vec::new());
        }
        self.len += bytes.len() as u64;
        self.next_seq += written.len() as u64;
        self.last_written = self.next_seq - 1;
        for e in &written {
            self.seen.insert(e.id.clone(), e.at);
            self.order.push_back((e.id.clone(), e.at));
        }
        self.prune_seen(at);
        (answers, written)
    }

    /// Notes that entries up to `seq` are applied; empties the journal when it is large and
    /// everything in it is applied.
    pub fn mark_applied(&mut self, seq: u64) -> Result<()> {
        self.applied = self.applied.max(seq);
        if self.applied >= self.last_written && self.len > COMPACT_BYTES {
            self.compact()?;
        }
        Ok(())
    }

    fn compact(&mut self) -> Result<()> {
        self.prune_seen(now_ms());
        let seen = Seen {
            through: self.last_written,
            ids: self.order.iter().cloned().collect(),
        };
        // The ids first: with the journal gone, they are the only memory of them.
        write_synced(&self.paths.seen(), &serde_json::to_vec(&seen)?)?;
        let path = self.paths.journal();
        write_synced(&path, b"")?;
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        tracing::info!(
            "journal compacted: {} bytes of applied events dropped, {} event ids kept for retries",
            self.len,
            seen.ids.len()
        );
        self.len = 0;
        Ok(())
    }

    fn prune_seen(&mut self, now: u64) {
        while let Some((id, at)) = self.order.front() {
            let old = now.saturating_sub(*at) > SEEN_WINDOW_MS;
            if !old && self.order.len() <= SEEN_MAX {
                break;
            }
            if self.seen.get(id) == Some(at) {
                self.seen.remove(id);
            }
            self.order.pop_front();
        }
    }
}

/// Writes a file atomically and durably (the data, then the rename).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = private_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Options that create files readable by this user only.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Sets `path`'s permissions to `mode` (files an older version created more open).
fn private(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot make {} private", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Makes a new or renamed file's name durable.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The journal's thread: records events in groups (one fsync per group), answers each request,
/// and hands recorded entries to the publisher in order. `applied` is the publisher's position
/// (for compaction). Ends when every sender is gone.
pub fn run_writer(
    mut journal: Journal,
    requests: mpsc::Receiver<Request>,
    publisher: mpsc::Sender<Entry>,
    applied: &AtomicU64,
) {
    while let Ok(first) = requests.recv() {
        let seq = applied.load(Ordering::Acquire);
        if seq > journal.applied()
            && let Err(e) = journal.mark_applied(seq)
        {
            tracing::error!("cannot compact the journal: {e:#}");
        }
        let mut group = vec![first];
        // Everything already waiting shares this fsync.
        while let Ok(more) = requests.try_recv() {
            group.push(more);
            if group.len() >= 1024 {
                break;
            }
        }
        let mut events = Vec::new();
        let mut replies = Vec::new();
        for Request::Append { id, event, reply } in group {
            events.push((id, event));
            replies.push(reply);
        }
        let (answers, written) = journal.append(events);
        for entry in written {
            // The publisher is gone only at shutdown; the entry is on disk for the next start.
            let _ = publisher.send(entry);
        }
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

#[cfg(test)]
mod tests;
