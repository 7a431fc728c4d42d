//! Reading a Slack export, zipped or unpacked, one entry at a time.
//!
//! Nothing is extracted to disk and only one entry is in memory at once. Entry names are used to
//! find conversations, never to build output paths, so a hostile name (`../../x`) cannot write
//! anywhere (zip-slip is impossible by construction). No entry is read past a size limit,
//! whatever the archive claims it holds: a few hundred kilobytes of zip can inflate to gigabytes
//! (issue 11), and a limit per entry bounds the import's memory.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zip::ZipArchive;

/// The default limit on what one entry may inflate to. Slack writes a file per conversation and
/// day; even a very busy day is a few megabytes.
pub const DEFAULT_MAX_ENTRY_BYTES: u64 = 128 << 20;

/// An export archive: a `.zip` file or an unpacked folder.
#[derive(Debug)]
pub struct Archive {
    source: Source,
    /// The most one entry may hold once inflated.
    max_entry: u64,
}

#[derive(Debug)]
enum Source {
    Zip {
        path: PathBuf,
        zip: ZipArchive<BufReader<File>>,
        /// Decoded names, by index in the zip.
        names: Vec<String>,
    },
    Folder {
        path: PathBuf,
        names: Vec<String>,
    },
}

impl Archive {
    /// Opens an export; `max_entry` bounds what any one entry may inflate to.
    pub fn open(path: &Path, max_entry: u64) -> Result<Archive> {
        let source = Source::open(path)?;
        Ok(Archive { source, max_entry })
    }

    pub fn path(&self) -> &Path {
        match &self.source {
            Source::Zip { path, .. } | Source::Folder { path, .. } => path,
        }
    }

    /// Every file entry's name, `/`-separated, in archive order.
    pub fn names(&self) -> &[String] {
        match &self.source {
            Source::Zip { names, .. } | Source::Folder { names, .. } => names,
        }
    }

    /// The index of the entry called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names().iter().position(|n| n == name)
    }

    /// Reads entry `index` whole (a day file or a list: never the whole export), refusing one
    /// larger than the limit, whatever its header says.
    pub fn read(&mut self, index: usize) -> Result<Vec<u8>> {
        let limit = self.max_entry;
        let too_large = |path: &Path, name: &str| {
            anyhow::anyhow!(
                "{}: entry {name} is larger than {} MiB once inflated (a zip bomb, or a larger \
                 export than expected: raise the limit with --max-entry-mb)",
                path.display(),
                limit >> 20
            )
        };
        match &mut self.source {
            Source::Folder { path, names } => {
                let name = names.get(index).context("no such entry")?;
                let file = path.join(name);
                let open =
                    File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
                read_limited(open, limit, 0)
                    .with_context(|| format!("cannot read {}", file.display()))?
                    .ok_or_else(|| too_large(path, name))
            }
            Source::Zip { path, zip, names } => {
                let name = names.get(index).context("no such entry")?;
                let entry = zip
                    .by_index(index)
                    .with_context(|| format!("{}: entry {name} is unreadable", path.display()))?;
                let claimed = entry.size();
                if claimed > limit {
                    return Err(too_large(path, name));
                }
                read_limited(entry, limit, claimed)
                    .with_context(|| {
                        format!("{}: entry {name} is corrupt or truncated", path.display())
                    })?
                    .ok_or_else(|| too_large(path, name))
            }
        }
    }
}

/// Reads at most `limit` bytes; `None` when there is more. `hint`: the expected size (trusted
/// only up to the limit and a modest first allocation).
fn read_limited(reader: impl Read, limit: u64, hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::with_capacity(hint.min(limit).min(8 << 20) as usize);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot open {}", path.display()))?;
        if meta.is_dir() {
            let mut names = Vec::new();
            for entry in walkdir::WalkDir::new(path).follow_links(false) {
                let entry = entry.with_context(|| format!("cannot list {}", path.display()))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(path).unwrap_or(entry.path());
                let Some(rel) = rel.to_str() else { continue };
                names.push(rel.replace('\\', "/"));
            }
            names.sort();
            return Ok(Source::Folder {
                path: path.to_owned(),
                names,
            });
        }
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let zip = ZipArchive::new(BufReader::new(file)).with_context(|| {
            format!(
                "{} is not a readable zip archive (corrupt or truncated?)",
                path.display()
            )
        })?;
        let mut zip = zip;
        let mut names = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .with_context(|| format!("{}: entry {i} is unreadable", path.display()))?;
            names.push(decode_entry_name(entry.name_raw()));
        }
        Ok(Source::Zip {
            path: path.to_owned(),
            zip,
            names,
        })
    }
}

/// Zip entry names carry a UTF-8 flag, but Slack's exporter and many zip tools write UTF-8 names
/// without setting it. Try UTF-8 first; fall back to CP437, the zip format's legacy encoding.
pub fn decode_entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => raw.iter().map(|&b| cp437(b)).collect(),
    }
}

fn cp437(b: u8) -> char {
    const HIGH: [char; 128] = [
        'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', 'É', 'æ',
        'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', 'á', 'í', 'ó', 'ú',
        'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', '░', '▒', '▓', '│', '┤', '╡',
        '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', '└', '┴', '┬', '├', '─', '┼', '╞', '╟',
        '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘',
        '┌', '█', '▄', '▌', '▐', '▀', 'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ',
        '∞', 'φ', 'ε', '∩', '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²',
        '■', '\u{a0}',
    ];
    if b < 0x80 {
        b as char
    } else {
        HIGH[(b - 0x80) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_up_to_the_limit_and_no_further() {
        let data = vec![b'x'; 1000];
        assert_eq!(
            read_limited(&data[..], 1000, 0).unwrap().unwrap().len(),
            1000
        );
        assert!(read_limited(&data[..], 999, 1 << 40).unwrap().is_none());
    }

    #[test]
    fn names_without_the_utf8_flag() {
        assert_eq!(
            decode_entry_name("café/2016-01-01.json".as_bytes()),
            "café/2016-01-01.json"
        );
        // "café" as CP437 bytes: é is 0x82.
        assert_eq!(decode_entry_name(b"caf\x82/x.json"), "café/x.json");
    }
}
