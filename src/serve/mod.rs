//! `scrollback serve`: Slack's Events API in, a live site out.
//!
//! Three parts, each with one job:
//! - [`http`]: verifies each request ([`verify`]), answers Slack, serves `site/`
//!   ([`crate::site_files::response`]);
//! - [`journal`]: one thread that records each event durably before it is acknowledged;
//! - [`publisher`]: one thread that applies recorded events to `content/` (through the content
//!   store, see [`crate::events`]) and rebuilds what they touched with the
//!   [`HotBuilder`](crate::build::HotBuilder) (the long-lived builder `watch` uses too);
//! - [`names`]: with a Slack token, a thread that looks up the users and bots the publisher has
//!   no file for, so live chats show names rather than ids (and, once at start, those the live
//!   chats' messages already name: [`names_in_content`]);
//! - [`uploads`]: with a Slack token, a thread that keeps the uploads of published chats as
//!   they are shared;
//! - [`commands`]: `/scrollback` and `@scrollback` for editors in Slack; [`editor_groups`] keeps
//!   the editors up to date with the members of `editor_groups`;
//! - [`oauth`]: "Add to Slack", with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: installs the app in
//!   workspaces, whose events, commands and interactions are then answered with their own bot
//!   token ([`http::App::slack_for`]); catching up, names, uploads and editor groups use
//!   SLACK_BOT_TOKEN's workspace only;
//! - [`push`]: live pages `serve` hosts follow their chat by server-sent events, each build's
//!   new `live.json` pushed as it is published (pages elsewhere poll it);
//! - [`socket_mode`]: with `--socket-mode`, the same events (and commands and interactions) over
//!   a WebSocket `serve` opens to Slack; events take the HTTP side's path into the journal
//!   ([`record`]).
//!
//! Request → verify → journal (fsync) → 200 → publisher (round of events) → store batch →
//! incremental build → `site/`. With a Slack token, [`catch_up`] feeds the journal what the
//! channels' history has and the content tree lacks (what Slack sent while `serve` was down),
//! at start, every few minutes, and at once when a retried event says Slack missed us.

pub mod catch_up;
pub mod commands;
pub mod editor_groups;
pub mod http;
pub mod interactions;
pub mod journal;
pub mod names;
pub mod names_in_content;
pub mod oauth;
pub mod publisher;
pub mod push;
pub mod record;
pub mod socket_mode;
pub mod uploads;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc;

use anyhow::{Context, Result};

use crate::deploy::headers::CacheRules;
use crate::http_server;
use crate::project::Project;
pub use publisher::OnPublish;
use publisher::{Publisher, Status};
pub use verify::Verifier;

/// The largest request body accepted (Slack's events are a few KB; a message with many blocks
/// stays far below this).
pub const MAX_BODY: usize = 1 << 20;

/// How many `/slack/events` bodies over [`http::SMALL_BODY`] are read at once: with [`MAX_BODY`],
/// what large bodies in flight can cost (32 MiB at worst; Slack's events are a few KB).
const LARGE_BODIES_READ_AT_ONCE: usize = 32;

/// How long a body may take to arrive.
const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// How long open connections may delay stopping.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// How to run `serve`.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub verifier: Verifier,
    /// Called after every build (see [`OnPublish`]).
    pub on_publish: Option<OnPublish>,
    /// Called once the socket is bound, with its address (for `--port 0`).
    pub on_listening: Option<Box<dyn FnOnce(SocketAddr) + Send>>,
    /// With `--deploy`: what is deployed, for `/scrollback status`.
    pub deploys: Option<commands::Deploys>,
    /// `--socket-mode`: Slack's side over a WebSocket too, opened with this.
    pub socket_mode: Option<socket_mode::Opener>,
    /// `--push-streams`: live pages' push streams open at once at most (0: none, pages poll).
    pub push_streams: usize,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("addr", &self.addr)
            .field("verifier", &self.verifier)
            .field("socket_mode", &self.socket_mode.is_some())
            .field("push_streams", &self.push_streams)
            .finish_non_exhaustive()
    }
}

/// Runs until Ctrl-C (or SIGTERM): then stops taking requests, publishes what is recorded, and
/// saves the build state.
pub fn run(project: &Project, options: ServeOptions) -> Result<()> {
    // The content tree and config must be readable before Slack is told anything is fine.
    let config = project.load_config()?;
    log_followed_chats(&project.open_store()?)?;
    let paths = journal::Paths::new(&project.cache_dir().join("events"));
    let recovered = journal::Journal::open(paths.clone())?;

    let status = Arc::new(Status::default());
    let (requests_tx, requests_rx) = mpsc::channel();
    let (entries_tx, entries_rx) = mpsc::channel();
    let applied = Arc::new(AtomicU64::new(recovered.journal.applied()));
    // Editors, and the reactions that are their acts: read once, at start.
    let editorial = crate::config::editors::policy(&config.editors, &config.reactions);
    // The workspaces installed with "Add to Slack", answered with their own tokens; the others
    // with SLACK_BOT_TOKEN's.
    let installations = crate::slack::installations::Installations::open(
        crate::slack::installations::dir(project)?,
        slack_client(project),
    );
    // Catching up, names, uploads and editor groups: SLACK_BOT_TOKEN's workspace, or the one
    // installed with "Add to Slack".
    let slack = installations.background_client();
    if slack.is_none() {
        tracing::info!(
            "no {}: what Slack sends while serve is down or unreachable is lost, and authors \
             are named only from content/users/ and what their messages carry (with a bot \
             token, serve reads missed messages from the channels' history and looks up \
             unknown authors)",
            crate::slack::token::TOKEN_VAR
        );
    }
    // Every stream ends when serve stops, so open pages never hold it up.
    let (stop_push, push_stop) = tokio::sync::watch::channel(false);
    let push = Arc::new(push::LivePush::new(
        project.site_dir(),
        options.push_streams,
        push_stop,
    ));
    let publisher = Publisher::new(
        project,
        paths,
        status.clone(),
        applied.clone(),
        editorial.clone(),
        Some(push::publishing(push.clone(), options.on_publish)),
    )
    .looking_up_names(slack.clone())
    .keeping_uploads(
        (slack.clone()).and_then(|client| uploads::UploadKeeper::start(project, client)),
    );
    let pending = recovered.pending;
    let publisher = std::thread::Builder::new()
        .name("publisher".into())
        .spawn(move || publisher.run(pending, entries_rx))
        .context("cannot start the publisher thread")?;
    let journal = recovered.journal;
    let writer = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || journal::run_writer(journal, requests_rx, entries_tx, &applied))
        .context("cannot start the journal thread")?;

    let catch_up_journal = requests_tx.clone();
    // Slack's retries wake the catch-up at once (only with a token: without one, nothing can be
    // read back).
    let gaps = slack
        .as_ref()
        .map(|_| Arc::new(catch_up::GapSignal::default()));
    let app = Arc::new(http::App {
        verifier: options.verifier,
        journal: requests_tx,
        site: project.site_dir(),
        status,
        max_body: MAX_BODY,
        large_body_reads: tokio::sync::Semaphore::new(LARGE_BODIES_READ_AT_ONCE),
        body_deadline: BODY_DEADLINE,
        csp: config.page_csp().map(str::to_owned),
        cache_rules: CacheRules::new(&config.deploy.cache_control),
        editorial: editorial.clone(),
        gaps: gaps.clone(),
        project: project.clone(),
        slack: slack.clone(),
        deploys: options.deploys,
        installations: Arc::new(installations),
        oauth: oauth::OAuth::from_env(),
        push,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("http")
        .build()
        .context("cannot start the async runtime")?;
    let catch_up_project = project.clone();
    let served = runtime.block_on(async move {
        // Socket Mode first: a token Slack refuses stops serve before it says it listens.
        let (stop_links, links_stop) = tokio::sync::watch::channel(false);
        let links = match options.socket_mode {
            Some(opener) => {
                Some(socket_mode::start(opener, app.clone(), socket_handlers(), links_stop).await?)
            }
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .with_context(|| format!("cannot listen on {}", options.addr))?;
        let local = listener.local_addr()?;
        if let Some(f) = options.on_listening {
            f(local);
        }
        // What Slack sent while serve was down, from the channels' history (issue 13). The task
        // ends with the runtime; its journal sender with it.
        if let (Some(client), Some(gaps)) = (slack, gaps) {
            tokio::spawn(catch_up::run(
                catch_up_project,
                client,
                catch_up_journal,
                gaps,
                catch_up::EVERY,
            ));
        } else {
            drop(catch_up_journal);
        }
        editor_groups::start(app.slack.clone(), &config, editorial);
        // On a signal, stop accepting and finish requests in flight; connections a browser keeps
        // open (keep-alive) get a short grace, not a veto over stopping.
        http_server::run(
            listener,
            http::router(app),
            http_server::Limits::DEFAULT,
            async move {
                shutdown_signal().await;
                let _ = stop_push.send(true);
            },
            SHUTDOWN_GRACE,
        )
        .await;
        // The links close after acknowledging what they have recorded.
        let _ = stop_links.send(true);
        if let Some(links) = links {
            let _ = links.await;
        }
        anyhow::Ok(())
    });
    // The router (and with it the last request sender) is gone: the journal thread ends, then
    // the publisher drains what is left and saves the build state.
    drop(runtime);
    let _ = writer.join();
    let _ = publisher.join();
    tracing::info!("stopped");
    served
}

/// What Socket Mode does with slash commands and interactions: the HTTP routes' own handlers.
fn socket_handlers() -> socket_mode::Handlers {
    socket_mode::Handlers {
        command: |app, fields| {
            Box::pin(async move { commands::handle_command(&app, &fields).await })
        },
        interaction: |app, payload| {
            Box::pin(async move {
                match interactions::handle_interaction(&app, &payload).await {
                    Ok(answer) => Ok(answer),
                    // Asking again will not mend it: acknowledged, so Slack stops sending it.
                    Err(e @ interactions::InteractionError::Malformed(_)) => {
                        tracing::warn!("refused an interaction over Socket Mode: {e}");
                        Ok(None)
                    }
                    Err(e) => Err(e.to_string()),
                }
            })
        },
    }
}

/// The Web API client for catching up, when a token is set.
fn slack_client(project: &Project) -> Option<crate::slack::SlackClient> {
    if !crate::slack::token::is_configured() {
        return None;
    }
    match crate::slack::SlackClient::from_env(&project.root) {
        Ok(client) => Some(client),
        Err(e) => {
            tracing::warn!("not catching up with Slack's history: {e:#}");
            None
        }
    }
}

/// Says which chats follow which Slack conversations, so a wrong channel id shows at start
/// rather than as silence when the event comes (issue 12).
fn log_followed_chats(store: &crate::content::ContentStore) -> Result<()> {
    let chats = store.load_channels()?;
    if chats.is_empty() {
        tracing::warn!(
            "no chat follows a Slack conversation yet: events will be ignored until \
             `scrollback channel add CHANNEL_ID --slug SLUG --headline \"…\"` makes one"
        );
    }
    for chat in chats {
        tracing::info!(
            "following {} for `{}` ({})",
            chat.settings.channel_id,
            chat.slug,
            chat.settings.state
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("stopping: finishing what is recorded");
}
