//! Creates staged files on a thread of its own.
//!
//! A bulk import is bound by creating a hundred thousand small files, which the kernel does one at
//! a time per folder (two threads creating files in one folder contend for its lock and, on a busy
//! disk, spin on it). Handing the files to one writer thread lets parsing and serializing the next
//! messages run on the other cores meanwhile, instead of taking turns with the disk.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use anyhow::{Result, anyhow};

/// Files queued but not yet written, at most: a few megabytes of messages.
const QUEUE: usize = 2048;

#[derive(Debug, Default)]
struct Progress {
    /// Files handed over and not yet written (or failed).
    pending: usize,
    /// The first write that failed; later files are dropped, since the batch cannot commit.
    /// Kept as an I/O error, so callers can tell a disk failure from bad input.
    failure: Option<(std::io::ErrorKind, String)>,
}

#[derive(Debug, Default)]
struct Shared {
    progress: Mutex<Progress>,
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A thread that writes whole files, in the order they were handed over.
#[derive(Debug)]
pub(crate) struct StagingWriter {
    sender: Option<SyncSender<(PathBuf, Vec<u8>)>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl StagingWriter {
    pub(crate) fn start() -> Result<StagingWriter> {
        let (sender, receiver) = sync_channel(QUEUE);
        let shared = Arc::new(Shared::default());
        let thread = std::thread::Builder::new()
            .name("staging-writer".to_owned())
            .spawn({
                let shared = Arc::clone(&shared);
                move || write_all(&receiver, &shared)
            })
            .map_err(|e| anyhow!("cannot start a thread to write staged files: {e}"))?;
        Ok(StagingWriter {
            sender: Some(sender),
            thread: Some(thread),
            shared,
        })
    }

    /// Queues a file; waits only when the queue is full. A failure shows here or in
    /// [`StagingWriter::flush`].
    pub(crate) fn write(&self, path: PathBuf, bytes: Vec<u8>) -> Result<()> {
        {
            let mut progress = self.shared.lock();
            if let Some(failure) = &progress.failure {
                return Err(failure_error(failure));
            }
            progress.pending += 1;
        }
        let sent = self.sender.as_ref().map(|s| s.send((path, bytes)));
        if !matches!(sent, Some(Ok(()))) {
            self.shared.lock().pending -= 1;
            return Err(anyhow!("the thread writing staged files has stopped"));
        }
        Ok(())
    }

    /// Waits until every queued file is written; fails if any write failed.
    pub(crate) fn flush(&self) -> Result<()> {
        let mut progress = self.shared.lock();
        while progress.pending > 0 {
            progress = self
                .shared
                .drained
                .wait(progress)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match &progress.failure {
            Some(failure) => Err(failure_error(failure)),
            None => Ok(()),
        }
    }
}

impl Drop for StagingWriter {
    /// Finishes the queue, so the staging folder is not removed under the thread's feet.
    fn drop(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn failure_error((kind, message): &(std::io::ErrorKind, String)) -> anyhow::Error {
    std::io::Error::new(*kind, message.clone()).into()
}

fn write_all(receiver: &Receiver<(PathBuf, Vec<u8>)>, shared: &Shared) {
    for (path, bytes) in receiver {
        let failed = shared.lock().failure.is_some();
        let result = if failed {
            Ok(())
        } else {
            std::fs::write(&path, &bytes)
        };
        let mut progress = shared.lock();
        if let Err(e) = result {
            progress
                .failure
                .get_or_insert_with(|| (e.kind(), format!("cannot write {}: {e}", path.display())));
        }
        progress.pending -= 1;
        if progress.pending == 0 {
            shared.drained.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_before_flush_returns() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StagingWriter::start().unwrap();
        for i in 0..(QUEUE * 2) {
            let path = dir.path().join(format!("{i}.json"));
            writer.write(path, i.to_string().into_bytes()).unwrap();
        }
        writer.flush().unwrap();
        for i in [0, QUEUE, QUEUE * 2 - 1] {
            let bytes = std::fs::read(dir.path().join(format!("{i}.json"))).unwrap();
            assert_eq!(bytes, i.to_string().into_bytes());
        }
    }

    #[test]
    fn a_failed_write_fails_flush_and_later_writes() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StagingWriter::start().unwrap();
        let missing = dir.path().join("no-such-folder").join("1.json");
        writer.write(missing, b"{}".to_vec()).unwrap();
        let error = writer.flush().unwrap_err().to_string();
        assert!(error.contains("no-such-folder"), "{error}");
        assert!(
            writer
                .write(dir.path().join("2.json"), b"{}".to_vec())
                .is_err()
        );
        assert!(!dir.path().join("2.json").exists());
    }
}
