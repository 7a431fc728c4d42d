//! Test support: a scratch project driven through the real `scrollback` binary, with a small
//! chainable builder (init, import, change a file, build, check), plus export fixtures.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_scrollback");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real 2016 official export.
pub fn official_export() -> PathBuf {
    repo().join("tests/fixtures/official-2016-testarchive.zip")
}

/// A synthetic export from tools/gen_slack_export.py and its manifest, generated once per
/// parameter set and kept under target/.
pub fn synthetic_export(
    messages: usize,
    channels: usize,
    seed: u64,
    private: bool,
) -> (PathBuf, Value) {
    let dir = repo().join("target/test-exports");
    std::fs::create_dir_all(&dir).unwrap();
    // One generator at a time in this process; across processes, the renames keep files whole.
    static GENERATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = GENERATING.lock().unwrap_or_else(|e| e.into_inner());
    let stem = format!(
        "m{messages}-c{channels}-s{seed}{}",
        if private { "-p" } else { "" }
    );
    let zip = dir.join(format!("{stem}.zip"));
    let manifest = dir.join(format!("{stem}.manifest.json"));
    if !manifest.exists() {
        // Generate aside and rename, so parallel tests never read a half-written zip.
        let tmp = dir.join(format!("{stem}.{}.tmp.zip", std::process::id()));
        let mut cmd = Command::new("python3");
        cmd.arg(repo().join("tools/gen_slack_export.py"))
            .args(["--messages", &messages.to_string()])
            .args(["--channels", &channels.to_string()])
            .args(["--seed", &seed.to_string()])
            .arg("--out")
            .arg(&tmp);
        if private {
            cmd.arg("--private");
        }
        let out = cmd.output().expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::rename(&tmp, &zip).unwrap();
        let tmp_manifest = dir.join(format!("{stem}.{}.tmp.manifest.json", std::process::id()));
        std::fs::rename(tmp_manifest, &manifest).unwrap();
    }
    let m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    (zip, m)
}

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
        Command::new(BIN)
            .arg("-C")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "scrollback {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
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

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "scrollback {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
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

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    pub fn feed(&self, slug: &str) -> Value {
        serde_json::from_str(&self.read(&format!("site/{slug}/feed.json"))).unwrap()
    }

    /// Every file under `rel` with its bytes.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.path(rel))
    }

    pub fn count_files(&self, rel: &str, ext: &str) -> usize {
        self.snapshot(rel)
            .keys()
            .filter(|k| k.ends_with(ext))
            .count()
    }
}

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

/// A zip written byte by byte (stored, no UTF-8 flag), so tests can use any entry name:
/// hostile paths, names in legacy encodings.
pub fn raw_zip(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(data);
        let local = |buf: &mut Vec<u8>, sig: u32, central: bool| {
            buf.extend_from_slice(&sig.to_le_bytes());
            if central {
                buf.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags: no UTF-8 flag
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&0u16.to_le_bytes()); // date: 0 is an invalid DOS date
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                buf.extend_from_slice(&0u16.to_le_bytes()); // comment
                buf.extend_from_slice(&0u16.to_le_bytes()); // disk
                buf.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
                buf.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(name);
        };
        local(&mut out, 0x04034b50, false);
        out.extend_from_slice(data);
        local(&mut central, 0x02014b50, true);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x06054b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A minimal export as (entry name, JSON) pairs, for hand-made cases.
pub fn mini_export(channel_name: &str, messages: Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    let channels = serde_json::json!([{"id": "C1", "name": channel_name, "created": 1500000000,
        "topic": {"value": "Topic &amp; more"}, "purpose": {"value": ""}}]);
    let users = serde_json::json!([{"id": "U1", "name": "ana", "profile": {"display_name": "Ana", "real_name": "Ana A"}}]);
    vec![
        (b"channels.json".to_vec(), channels.to_string().into_bytes()),
        (b"users.json".to_vec(), users.to_string().into_bytes()),
        (
            format!("{channel_name}/2018-03-06.json").into_bytes(),
            messages.to_string().into_bytes(),
        ),
    ]
}

pub fn write_zip(path: &Path, entries: &[(Vec<u8>, Vec<u8>)]) {
    let refs: Vec<(&[u8], &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_slice(), d.as_slice()))
        .collect();
    std::fs::write(path, raw_zip(&refs)).unwrap();
}

/// A parsed page, for asserting what a reader's browser would see (minification drops quotes,
/// so string matching on markup is brittle).
pub struct Page(pub scraper::Html);

impl Page {
    pub fn parse(html: &str) -> Page {
        Page(scraper::Html::parse_document(html))
    }

    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let sel = scraper::Selector::parse(css).unwrap();
        self.0.select(&sel).collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr))
            .map(str::to_owned)
            .collect()
    }

    pub fn text(&self, css: &str) -> String {
        self.select(css)
            .iter()
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Project {
    pub fn page(&self, rel: &str) -> Page {
        Page::parse(&self.read(rel))
    }
}

pub mod browser;
pub mod server;
pub mod slack;
