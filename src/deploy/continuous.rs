//! Continuous deployment: every build's changes are deployed, so a chat that is rebuilt every
//! few seconds (a live one, under `serve --deploy`) publishes itself.
//!
//! The caller (`serve --deploy`) says which site paths each rebuild changed and goes on at
//! once; a background task gathers the notifications and deploys their union. At most one
//! deploy is in flight, two deploys start at least `min_interval` apart (Netlify allows three a
//! minute), a burst of notifications within `settle` becomes one deploy, and a deploy that fails
//! keeps its paths for the next attempt, which waits longer after each failure.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::deployer::Deployer;
use super::{DeployOptions, DeployReport};

/// Timing of continuous deploys.
#[derive(Debug, Clone, Copy)]
pub struct ContinuousOptions {
    /// The least time from the start of one deploy to the start of the next.
    pub min_interval: Duration,
    /// How long to wait after a notification for more of the same burst.
    pub settle: Duration,
    /// The wait after the first failure; it doubles with each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// On shutdown, attempts at deploying what is still pending before giving up.
    pub final_attempts: u32,
}

impl ContinuousOptions {
    /// Defaults for a target: its own least interval unless the config sets one.
    pub fn for_deployer(deployer: &Deployer, configured: Option<f64>) -> ContinuousOptions {
        ContinuousOptions {
            min_interval: configured
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .unwrap_or_else(|| deployer.default_min_interval()),
            ..ContinuousOptions::default()
        }
    }
}

impl Default for ContinuousOptions {
    fn default() -> Self {
        ContinuousOptions {
            min_interval: Duration::from_secs(2),
            settle: Duration::from_millis(250),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            final_attempts: 3,
        }
    }
}

/// What the continuous deployer has done so far.
#[derive(Debug, Clone, Default)]
pub struct ContinuousStatus {
    /// Deploys that succeeded.
    pub deploys: u64,
    /// Deploys that failed (each is retried).
    pub failures: u64,
    /// Paths waiting for the next deploy.
    pub pending: usize,
    pub in_flight: bool,
    pub last: Option<DeployReport>,
    /// When the last deploy that succeeded ended (for `/scrollback status`).
    pub last_at: Option<std::time::SystemTime>,
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    /// Every notification up to this number is deployed.
    pub deployed_through: u64,
}

impl std::fmt::Display for ContinuousStatus {
    /// One sentence for the log: how many deploys went out, and what is left.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::human::count;
        write!(f, "{}", count(self.deploys as usize, "deploy", "deploys"))?;
        if self.failures > 0 {
            let failed = count(self.failures as usize, "failed attempt", "failed attempts");
            write!(f, ", {failed}")?;
        }
        if self.pending > 0 {
            let pending = count(self.pending, "changed file", "changed files");
            write!(f, "; {pending} not deployed")?;
        }
        if let Some(e) = &self.last_error {
            write!(f, " (last error: {e})")?;
        }
        Ok(())
    }
}

/// The handle of the background deployer. Dropping it stops the task after it has deployed
/// what is pending; [`ContinuousDeployer::shutdown`] waits for that.
#[derive(Debug)]
pub struct ContinuousDeployer {
    tx: mpsc::UnboundedSender<(u64, Vec<String>)>,
    status: watch::Receiver<ContinuousStatus>,
    notified: AtomicU64,
    task: JoinHandle<()>,
}

impl ContinuousDeployer {
    /// Starts the background task on the current tokio runtime.
    pub fn spawn(
        deployer: Deployer,
        site_dir: PathBuf,
        deploy_options: DeployOptions,
        options: ContinuousOptions,
    ) -> ContinuousDeployer {
        let (tx, rx) = mpsc::unbounded_channel();
        let (status_tx, status) = watch::channel(ContinuousStatus::default());
        let task = tokio::spawn(run(
            deployer,
            site_dir,
            deploy_options,
            options,
            rx,
            status_tx,
        ));
        ContinuousDeployer {
            tx,
            status,
            notified: AtomicU64::new(0),
            task,
        }
    }

    /// These site paths changed (written or removed). Returns at once.
    pub fn notify<I, S>(&self, paths: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        if paths.is_empty() {
            return;
        }
        let n = self.notified.fetch_add(1, Ordering::SeqCst) + 1;
        if self.tx.send((n, paths)).is_err() {
            tracing::warn!("continuous deploy has stopped; a change was not published");
        }
    }

    /// What a build wrote and removed.
    pub fn notify_build(&self, report: &crate::build::BuildReport) {
        self.notify(report.written.iter().chain(&report.removed).cloned());
    }

    /// The current status, and a receiver to watch it change.
    pub fn status(&self) -> watch::Receiver<ContinuousStatus> {
        self.status.clone()
    }

    /// Waits until everything notified before this call is deployed (however many retries that
    /// takes: wrap it in a timeout).
    pub async fn flush(&self) -> ContinuousStatus {
        let wanted = self.notified.load(Ordering::SeqCst);
        let mut rx = self.status.clone();
        let reached = rx
            .wait_for(|s| s.deployed_through >= wanted)
            .await
            .map(|s| s.clone());
        // Err: the task ended; what it got to is the answer.
        reached.unwrap_or_else(|_| rx.borrow().clone())
    }

    /// Stops taking notifications, deploys what is pending (a few attempts at most) and
    /// returns the final status.
    pub async fn shutdown(self) -> ContinuousStatus {
        let ContinuousDeployer {
            tx, status, task, ..
        } = self;
        drop(tx);
        let _ = task.await;
        status.borrow().clone()
    }
}

async fn run(
    deployer: Deployer,
    site_dir: PathBuf,
    deploy_options: DeployOptions,
    options: ContinuousOptions,
    mut rx: mpsc::UnboundedReceiver<(u64, Vec<String>)>,
    status: watch::Sender<ContinuousStatus>,
) {
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let mut newest = 0u64;
    let mut last_start: Option<Instant> = None;
    let mut failures_in_row = 0u32;
    let mut closed = false;
    let mut final_tries = 0u32;
    loop {
        if pending.is_empty() {
            if closed {
                break;
            }
            match rx.recv().await {
                Some((n, paths)) => {
                    newest = newest.max(n);
                    pending.extend(paths);
                }
                None => break,
            }
        }
        // When the next deploy may start: after the burst settles, the least interval since
        // the last one, and the backoff after failures.
        let mut ready_at = Instant::now() + options.settle;
        if let Some(t) = last_start {
            ready_at = ready_at.max(t + options.min_interval);
        }
        if failures_in_row > 0 {
            let factor = 2u32.saturating_pow(failures_in_row - 1);
            let backoff = options
                .first_backoff
                .saturating_mul(factor)
                .min(options.max_backoff);
            ready_at = ready_at.max(Instant::now() + backoff);
        }
        status.send_modify(|s| s.pending = pending.len());
        while !closed {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some((n, paths)) => {
                        newest = newest.max(n);
                        pending.extend(paths);
                        status.send_modify(|s| s.pending = pending.len());
                    }
                    None => closed = true,
                },
                _ = tokio::time::sleep_until(ready_at) => break,
            }
        }
        if closed {
            if final_tries >= options.final_attempts {
                tracing::error!(
                    "continuous deploy stopped with {} changed files not published",
                    pending.len()
                );
                break;
            }
            final_tries += 1;
            tokio::time::sleep_until(ready_at).await;
        }
        let batch = std::mem::take(&mut pending);
        let through = newest;
        status.send_modify(|s| {
            s.in_flight = true;
            s.pending = 0;
        });
        last_start = Some(Instant::now());
        match deployer
            .deploy_paths(&site_dir, &batch, &deploy_options)
            .await
        {
            Ok(report) => {
                failures_in_row = 0;
                tracing::info!(
                    "continuous deploy to {}: {} uploaded, {} deleted in {}",
                    report.target,
                    report.uploaded.len(),
                    report.deleted.len(),
                    crate::human::seconds(report.seconds)
                );
                status.send_modify(|s| {
                    s.in_flight = false;
                    s.deploys += 1;
                    s.last = Some(report);
                    s.last_at = Some(std::time::SystemTime::now());
                    s.last_error = None;
                    s.deployed_through = s.deployed_through.max(through);
                    s.pending = pending.len();
                });
            }
            Err(e) => {
                failures_in_row = failures_in_row.saturating_add(1);
                let message = format!("{e:#}");
                tracing::warn!("continuous deploy failed (will retry): {message}");
                pending.extend(batch);
                status.send_modify(|s| {
                    s.in_flight = false;
                    s.failures += 1;
                    s.last_error = Some(message);
                    s.pending = pending.len();
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_a_sentence() {
        let mut status = ContinuousStatus {
            deploys: 1,
            ..ContinuousStatus::default()
        };
        assert_eq!(status.to_string(), "1 deploy");
        status.deploys = 3;
        status.failures = 1;
        status.pending = 2;
        status.last_error = Some("the bucket refused the upload".into());
        assert_eq!(
            status.to_string(),
            "3 deploys, 1 failed attempt; 2 changed files not deployed (last error: the bucket \
             refused the upload)"
        );
    }
}
