//! A small, faithful fake of Netlify's file-digest deploy API on loopback: create a deploy with
//! the SHA-1 of every file, answer with the digests it lacks, take uploads (checking each body
//! against its digest, as Netlify does), and report the deploy `ready` only after every
//! required file is in and a further poll. It records everything for the tests to assert on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};
use sha1::Digest as _;

pub const TOKEN: &str = "test-token";
pub const SITE: &str = "site-123";

#[derive(Debug, Default)]
pub struct Deploy {
    pub files: BTreeMap<String, String>,
    pub required: Vec<String>,
    pub uploaded: BTreeSet<String>,
    pub state: String,
    /// Polls seen since every required file arrived.
    pub polls_after_upload: u32,
}

#[derive(Debug, Default)]
pub struct Fake {
    /// Digests Netlify already has.
    pub store: BTreeSet<String>,
    pub deploys: HashMap<String, Deploy>,
    /// Deploys in order of creation.
    pub created: Vec<String>,
    /// (deploy id, site path) of every accepted upload.
    pub uploads: Vec<(String, String)>,
    /// The files the site serves (after the last ready deploy).
    pub live: BTreeMap<String, String>,
    /// Answer the next upload with a 429 and `Retry-After: 1`.
    pub throttle_next_upload: bool,
    pub throttled: u32,
    pub polls: u32,
}

pub type Shared = Arc<Mutex<Fake>>;

/// Starts the fake on a free loopback port; returns its base URL and state.
pub fn start() -> (String, Shared) {
    let state: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v1/sites/{site}/deploys", post(create))
        .route("/api/v1/sites/{site}/files", get(files))
        .route("/api/v1/deploys/{id}", get(poll))
        .route("/api/v1/deploys/{id}/files/{*path}", put(upload))
        .with_state(state.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let port = rx.recv().unwrap();
    (format!("http://127.0.0.1:{port}"), state)
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"))
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16(), "message": message})),
    )
        .into_response()
}

async fn create(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Access Denied");
    }
    if site != SITE {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let Some(files) = body["files"].as_object() else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "files missing");
    };
    let mut s = state.lock().unwrap();
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let mut required: Vec<String> = files
        .values()
        .filter(|sha| !s.store.contains(*sha))
        .cloned()
        .collect();
    required.sort();
    required.dedup();
    let id = format!("deploy-{}", s.created.len() + 1);
    let is_async = body["async"].as_bool() == Some(true);
    let deploy = Deploy {
        files,
        required: required.clone(),
        state: if is_async { "preparing" } else { "uploading" }.to_owned(),
        ..Deploy::default()
    };
    s.deploys.insert(id.clone(), deploy);
    s.created.push(id.clone());
    if is_async {
        Json(json!({"id": id, "state": "preparing"})).into_response()
    } else {
        Json(json!({"id": id, "state": "uploading", "required": required})).into_response()
    }
}

async fn files(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Access Denied");
    }
    if site != SITE {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let s = state.lock().unwrap();
    let list: Vec<Value> = s
        .live
        .iter()
        .map(|(path, sha)| json!({"id": path, "path": path, "sha": sha}))
        .collect();
    Json(Value::Array(list)).into_response()
}

async fn poll(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Access Denied");
    }
    let mut s = state.lock().unwrap();
    s.polls += 1;
    let Some(d) = s.deploys.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    if d.state == "preparing" {
        d.state = "prepared".to_owned();
    } else if d.required.iter().all(|sha| d.uploaded.contains(sha)) && d.state != "ready" {
        // Processing takes a poll or two, as on Netlify.
        d.polls_after_upload += 1;
        d.state = if d.polls_after_upload >= 2 {
            "ready"
        } else {
            "processing"
        }
        .to_owned();
    }
    let body = json!({"id": id, "state": d.state, "required": d.required});
    if d.state == "ready" {
        let files = d.files.clone();
        s.live = files;
    }
    Json(body).into_response()
}

async fn upload(
    State(state): State<Shared>,
    Path((id, path)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Access Denied");
    }
    let mut s = state.lock().unwrap();
    if s.throttle_next_upload {
        s.throttle_next_upload = false;
        s.throttled += 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "rate limited",
        )
            .into_response();
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/octet-stream")
    {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "octet-stream expected");
    }
    let sha = hex::encode(sha1::Sha1::digest(&body));
    let Some(d) = s.deploys.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let key = format!("/{path}");
    match d.files.get(&key) {
        None => return error(StatusCode::UNPROCESSABLE_ENTITY, "file not in deploy"),
        Some(expected) if *expected != sha => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "content does not match digest",
            );
        }
        Some(_) => {}
    }
    d.uploaded.insert(sha.clone());
    s.store.insert(sha.clone());
    s.uploads.push((id.clone(), path.clone()));
    Json(json!({"id": id, "path": key, "sha": sha})).into_response()
}
