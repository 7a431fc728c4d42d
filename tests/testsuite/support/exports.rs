//! Slack exports for the tests to import: the real 2016 export in `tests/fixtures/`, synthetic
//! exports with exact counts from `tools/gen_slack_export.py`, and hand-made zips (hostile entry
//! names, legacy encodings) written byte by byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::project::repo;

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
