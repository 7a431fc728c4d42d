//! A scratch project driven through the real `scrollback` binary, with a small chainable builder
//! (init, import, change a file, build, check). Every command in a project is started by
//! [`scrollback`], with the environment variables that could point it at a real cloud removed.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_scrollback");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Environment variables that could point the binary at a real cloud or Slack workspace: never
/// passed on (a test gives the fake's own).
const SCRUB: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "NETLIFY_AUTH_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_BOT_TOKEN_FILE",
    "SLACK_APP_TOKEN",
    "SLACK_APP_TOKEN_FILE",
    "SLACK_API_URL",
];

/// `scrollback -C root ARGS` with extra environment (and the cloud variables removed).
pub fn scrollback(
    root: &Path,
    args: &[&str],
    env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)],
) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("-C").arg(root).args(args);
    for k in SCRUB {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// No extra environment, for [`Project::run_env`] and friends.
pub const NO_ENV: &[(&str, &str)] = &[];

/// A scratch project in a temporary folder.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A new project made by `scrollback init`.
    pub fn init() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = Project { dir };
        let out = Command::new(BIN)
            .arg("init")
            .arg(p.root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        p
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, NO_ENV)
    }

    /// Runs a command with extra environment.
    pub fn run_env(&self, args: &[&str], env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)]) -> Output {
        scrollback(self.root(), args, env).output().unwrap()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_env(args, NO_ENV)
    }

    /// Like [`Project::ok`], with extra environment.
    pub fn ok_env(&self, args: &[&str], env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)]) -> String {
        let out = self.run_env(args, env);
        assert!(
            out.status.success(),
            "scrollback {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        self.fails_env(args, NO_ENV)
    }

    /// Like [`Project::fails`], with extra environment.
    pub fn fails_env(
        &self,
        args: &[&str],
        env: &[(impl AsRef<OsStr>, impl AsRef<OsStr>)],
    ) -> String {
        let out = self.run_env(args, env);
        assert!(
            !out.status.success(),
            "scrollback {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Adds a live chat for Slack conversation `channel_id` (`scrollback channel add`).
    pub fn add_live_chat(&self, channel_id: &str, slug: &str, headline: &str) {
        self.ok(&[
            "channel",
            "add",
            channel_id,
            "--slug",
            slug,
            "--headline",
            headline,
        ]);
    }

    pub fn import(&self, export: &Path) -> &Self {
        self.ok(&["import", export.to_str().unwrap()]);
        self
    }

    pub fn build(&self) -> &Self {
        self.ok(&["build"]);
        self
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Rewrites `scrollback.toml` with `edit`, which must change it (a pattern the starter config
    /// no longer has fails here, not later in a confusing way).
    pub fn edit_config(&self, edit: impl FnOnce(&str) -> String) -> &Self {
        let before = self.read("scrollback.toml");
        let after = edit(&before);
        assert_ne!(before, after, "the config edit changed nothing");
        self.write("scrollback.toml", &after);
        self
    }

    /// Live pages poll every 0.5 s (at most every 2 s) instead of the starter's 3 and 30, so
    /// browser tests do not wait on the reader's schedule.
    pub fn poll_fast(&self) -> &Self {
        self.edit_config(|c| {
            c.replace(
                "interval = 3\nmax_interval = 30",
                "interval = 0.5\nmax_interval = 2",
            )
        })
    }

    /// The chats in `content/channels/`, by folder name, sorted.
    pub fn chats(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.path("content/channels"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    /// The chats with their state (`archived`, `live`, `draft`), sorted by slug.
    pub fn chat_states(&self) -> Vec<(String, String)> {
        self.chats()
            .into_iter()
            .map(|slug| {
                let toml = self.read(&format!("content/channels/{slug}/channel.toml"));
                let state = toml
                    .lines()
                    .find_map(|l| l.strip_prefix("state = "))
                    .unwrap_or_else(|| panic!("{slug}: no state in channel.toml"))
                    .trim_matches('"')
                    .to_owned();
                (slug, state)
            })
            .collect()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// The site path the build publishes the static file `site/<rel>` under when it
    /// fingerprints it (`assets/style.css` → `assets/style.<hash>.css`), from its bytes.
    pub fn fingerprinted(&self, rel: &str) -> String {
        let bytes = std::fs::read(self.path(&format!("site/{rel}"))).unwrap();
        scrollback::build::outputs::fingerprint::fingerprinted_path(rel, &bytes)
    }

    pub fn feed(&self, slug: &str) -> Value {
        serde_json::from_str(&self.read(&format!("site/{slug}/feed.json"))).unwrap()
    }

    /// Every file under `rel` with its bytes.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.path(rel))
    }

    /// The site a clean full build of this project's inputs makes, in a fresh folder: what any
    /// incremental build, or any run that was killed and run again, must equal byte for byte.
    pub fn clean_build(&self) -> BTreeMap<String, Vec<u8>> {
        let fresh = tempfile::tempdir().unwrap();
        for part in ["content", "themes", "templates", "static"] {
            copy_tree(&self.path(part), &fresh.path().join(part));
        }
        std::fs::copy(
            self.path("scrollback.toml"),
            fresh.path().join("scrollback.toml"),
        )
        .unwrap();
        let out = scrollback(fresh.path(), &["build"], NO_ENV)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        snapshot(&fresh.path().join("site"))
    }

    /// Edits the text of the latest plain message of `chat` in the content tree, rebuilds, and
    /// returns the site files that changed (sorted): what a deploy must upload, and only that.
    pub fn correct_a_message(&self, chat: &str, text: &str) -> Vec<String> {
        let before = self.snapshot("site");
        let dir = self.path(&format!("content/channels/{chat}/messages"));
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let (rel, mut message) = names
            .iter()
            .rev()
            .map(|n| format!("content/channels/{chat}/messages/{n}"))
            .map(|rel| {
                let m: Value = serde_json::from_str(&self.read(&rel)).unwrap();
                (rel, m)
            })
            .find(|(_, m)| {
                m["slack"]["subtype"].is_null()
                    && m["slack"]["text"].as_str().is_some_and(|t| t.len() > 3)
            })
            .unwrap_or_else(|| panic!("no plain message in {chat}"));
        message["slack"]["text"] = Value::from(text);
        self.write(&rel, &serde_json::to_string_pretty(&message).unwrap());
        self.build();
        let after = self.snapshot("site");
        // BTreeMap keys: already sorted.
        after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub fn count_files(&self, rel: &str, ext: &str) -> usize {
        self.snapshot(rel)
            .keys()
            .filter(|k| k.ends_with(ext))
            .count()
    }
}

/// Copies the files and folders under `from` to `to` (nothing if `from` does not exist).
pub fn copy_tree(from: &Path, to: &Path) {
    if !from.exists() {
        return;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `root` with its bytes, by path relative to `root`.
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// Every message of a feed, threads included, as (ts, text).
pub fn feed_messages(feed: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in feed["messages"].as_array().unwrap() {
        out.push((
            m["ts"].as_str().unwrap().to_owned(),
            m["text"].as_str().unwrap().to_owned(),
        ));
        for r in m["thread"].as_array().unwrap() {
            out.push((
                r["ts"].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}
