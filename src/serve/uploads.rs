//! With a token, `serve` keeps the uploads of published chats as they are shared (issue 13,
//! item 3): a thread downloads each new upload into `content/files/<FILE_ID>/` (the same keeper
//! as `scrollback files`, one commit per upload) and tells the publisher, which rebuilds the
//! message so the page shows our copy instead of a card without a link.
//!
//! Off the event path: a large upload never delays Slack's answer or the next event. An upload
//! that cannot be kept (no `files:read`, too large, gone) is logged once; `scrollback files`
//! tries again.

use std::collections::HashSet;
use std::sync::mpsc;

use serde_json::{Map, Value};

use crate::content::message::attached_files_in;
use crate::content::{Slug, Ts};
use crate::import::files::DEFAULT_MAX_BYTES;
use crate::import::keep_upload::{Fetcher, Kept, keep_upload};
use crate::project::Project;
use crate::slack::SlackClient;

type Wanted = (Slug, Ts, Map<String, Value>);

/// The publisher's side of the downloads.
pub struct UploadKeeper {
    requests: mpsc::Sender<Wanted>,
    kept: mpsc::Receiver<(Slug, Ts)>,
    /// File ids asked for this run: each once.
    asked: HashSet<String>,
}

impl UploadKeeper {
    /// Starts the download thread with the client `serve` made from its token.
    pub fn start(project: &Project, client: SlackClient) -> Option<UploadKeeper> {
        let client = match client.for_own_runtime() {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!("uploads will not be kept as they are shared: {e:#}");
                return None;
            }
        };
        let (requests, wanted) = mpsc::channel();
        let (done, kept) = mpsc::channel();
        let project = project.clone();
        let spawned = std::thread::Builder::new()
            .name("uploads".into())
            .spawn(move || keep_all(&project, client, wanted, done));
        if let Err(e) = spawned {
            tracing::warn!("uploads will not be kept as they are shared: {e}");
            return None;
        }
        Some(UploadKeeper {
            requests,
            kept,
            asked: HashSet::new(),
        })
    }

    /// Queues the uploads a message of a published chat carries.
    pub fn want_from(&mut self, slug: &Slug, message: &Map<String, Value>) {
        let Some(ts) = message
            .get("ts")
            .and_then(Value::as_str)
            .and_then(|t| Ts::parse(t).ok())
        else {
            return;
        };
        for file in attached_files_in(message) {
            let Some(file) = file.as_object() else {
                continue;
            };
            let id = file.get("id").and_then(Value::as_str).unwrap_or_default();
            if id.is_empty() || !self.asked.insert(id.to_owned()) {
                continue;
            }
            let _ = self.requests.send((slug.clone(), ts.clone(), file.clone()));
        }
    }

    /// The messages whose uploads were kept since the last call.
    pub fn take_kept(&mut self) -> Vec<(Slug, Ts)> {
        self.kept.try_iter().collect()
    }
}

fn keep_all(
    project: &Project,
    client: SlackClient,
    wanted: mpsc::Receiver<Wanted>,
    done: mpsc::Sender<(Slug, Ts)>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("uploads will not be kept as they are shared: {e}");
            return;
        }
    };
    let fetcher = Fetcher::Bot(client);
    while let Ok((slug, ts, file)) = wanted.recv() {
        let id = file.get("id").and_then(Value::as_str).unwrap_or("?");
        match runtime.block_on(keep_upload(project, &fetcher, &file, DEFAULT_MAX_BYTES)) {
            Ok(Ok(Kept::Downloaded(bytes))) => {
                tracing::info!(
                    "kept upload {id} of {slug}/{ts} ({})",
                    crate::human::bytes(bytes)
                );
                if done.send((slug, ts)).is_err() {
                    return;
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(why)) => tracing::warn!(
                "upload {id} of {slug}/{ts} not kept: {why} (`scrollback files {slug}` tries again)"
            ),
            Err(e) => tracing::warn!("upload {id} of {slug}/{ts} not kept: {e:#}"),
        }
    }
}
