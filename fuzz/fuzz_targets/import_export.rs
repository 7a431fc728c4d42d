//! Slack exports through the real importer (`scrollback::import::import`), into a fresh project.
//!
//! An input starting with `PK` is the zip file itself, so the zip reader is fuzzed too. Anything
//! else is a small text form that becomes a zip in memory, so that most inputs reach the JSON
//! behind the zip (random bytes almost never make a zip whose entries inflate to JSON):
//!
//! ```text
//! #keep-going          option lines first, each optional: skip bad entries,
//! #max-entry=4096      the --max-entry-mb limit in bytes,
//! #deflate             and compressed rather than stored entries
//! == channels.json     each entry: `== NAME`, then its bytes up to the next `\n== ` line
//! [{"id": "C1", "name": "general"}]
//! == general/2016-01-01.json
//! [{"type": "message", "ts": "1451606400.000002", "user": "U1", "text": "hi"}]
//! ```
//!
//! It checks what the importer promises: no panic; on an error, `content/` as it was (empty); on
//! success, a content tree of valid files at valid paths, nothing written outside the project,
//! and importing the same archive again changes no byte.
#![no_main]

mod content_tree;

use std::io::Write;

use content_tree::{Sandbox, check_tree, snapshot};
use libfuzzer_sys::fuzz_target;
use scrollback::import::{ImportOptions, import};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const ZIP: &str = "export.zip";

fuzz_target!(|data: &[u8]| {
    let (zip, options) = if data.starts_with(b"PK") {
        (data.to_vec(), ImportOptions::default())
    } else {
        from_text(data)
    };
    let sandbox = Sandbox::new();
    let path = sandbox.dir.path().join(ZIP);
    std::fs::write(&path, &zip).expect("the zip file");
    let project = &sandbox.project;

    let result = import(project, &path, &options);
    sandbox.check_no_escape(&[ZIP]);
    let tree = snapshot(project);
    if result.is_err() {
        assert!(
            tree.is_empty(),
            "a refused import left files: {:?}",
            tree.keys()
        );
        let left: Vec<_> = std::fs::read_dir(project.content_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "a refused import left folders: {left:?}");
        return;
    }
    check_tree(&tree);
    if let Err(e) = import(project, &path, &options) {
        panic!("the same archive imported once, then refused: {e:#}");
    }
    sandbox.check_no_escape(&[ZIP]);
    assert!(
        snapshot(project) == tree,
        "importing the same archive twice changed the content tree"
    );
});

/// The text form into a zip file's bytes and the options it asks for.
fn from_text(data: &[u8]) -> (Vec<u8>, ImportOptions) {
    let mut options = ImportOptions::default();
    let mut method = CompressionMethod::Stored;
    let mut rest = data;
    while let Some(line) = rest.strip_prefix(b"#") {
        let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
        let option = String::from_utf8_lossy(&line[..end]);
        match option.trim() {
            "keep-going" => options.keep_going = true,
            "deflate" => method = CompressionMethod::Deflated,
            o => {
                if let Some(n) = o.strip_prefix("max-entry=").and_then(|n| n.parse().ok()) {
                    options.max_entry_bytes = n;
                }
            }
        }
        rest = line.get(end + 1..).unwrap_or_default();
    }
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let file_options = SimpleFileOptions::default().compression_method(method);
    for entry in entries(rest) {
        let Some(newline) = entry.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let name = String::from_utf8_lossy(&entry[..newline]);
        // A second entry of the same name is refused by the writer: that entry is left out.
        if zip.start_file(name.as_ref(), file_options).is_ok() {
            zip.write_all(&entry[newline + 1..]).expect("in memory");
        }
    }
    let bytes = zip.finish().expect("in memory").into_inner();
    (bytes, options)
}

/// The parts after each `== ` that starts a line: `NAME\nBYTES`.
fn entries(text: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = Vec::new();
    if text.starts_with(b"== ") {
        starts.push(0);
    }
    starts.extend(
        text.windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"\n== ")
            .map(|(i, _)| i + 1),
    );
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            // An entry's bytes end before the newline that starts the next entry.
            let end = starts.get(k + 1).map_or(text.len(), |&next| next - 1);
            &text[start + 3..end]
        })
        .collect()
}
