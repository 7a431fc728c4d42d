//! Fingerprinted names: `assets/style.css` is also published as `assets/style.<hash>.css`, the
//! hash taken from its bytes, so the name changes whenever the content does and the file can be
//! cached for a year. The build makes these names ([`fingerprinted_path`]); the cache rules
//! recognize them ([`is_build_fingerprint`]).

use sha2::{Digest as _, Sha256};

/// Hex digits of the SHA-256 kept in a name: 40 bits, plenty to tell versions of one file apart.
pub const HASH_LEN: usize = 10;

/// The extensions the build fingerprints: what pages load by name (style sheets, scripts).
/// Images and fonts stay as they are: style sheets refer to them by their plain names.
const EXTENSIONS: [&str; 2] = ["css", "js"];

/// Whether the build publishes a fingerprinted copy of the static file at `path`.
pub fn is_fingerprintable(path: &str) -> bool {
    split_name(path).is_some_and(|(_, _, ext)| EXTENSIONS.contains(&ext))
}

/// `assets/style.css` with `bytes` → `assets/style.3f9a1c0b7e.css`.
pub fn fingerprinted_path(path: &str, bytes: &[u8]) -> String {
    let hash = &hex::encode(Sha256::digest(bytes))[..HASH_LEN];
    match split_name(path) {
        Some((dir, stem, ext)) => format!("{dir}{stem}.{hash}.{ext}"),
        None => format!("{path}.{hash}"),
    }
}

/// Whether a site path has the shape of a name the build fingerprinted:
/// `<stem>.<HASH_LEN lowercase hex>.<css|js>`.
pub fn is_build_fingerprint(path: &str) -> bool {
    let Some((_, stem, ext)) = split_name(path) else {
        return false;
    };
    let Some((base, hash)) = stem.rsplit_once('.') else {
        return false;
    };
    EXTENSIONS.contains(&ext)
        && !base.is_empty()
        && hash.len() == HASH_LEN
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `a/b/name.ext` → (`a/b/`, `name`, `ext`); `None` without an extension or a stem.
fn split_name(path: &str) -> Option<(&str, &str, &str)> {
    let at = path.rfind('/').map_or(0, |i| i + 1);
    let (dir, name) = path.split_at(at);
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then_some((dir, stem, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_contents_hash_and_are_recognized() {
        let a = fingerprinted_path("assets/style.css", b"p{}");
        let b = fingerprinted_path("assets/style.css", b"p{color:red}");
        assert_ne!(a, b);
        assert!(a.starts_with("assets/style.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "assets/style..css".len() + HASH_LEN);
        assert!(is_build_fingerprint(&a) && is_build_fingerprint(&b));
        assert_eq!(
            fingerprinted_path("live.js", b"x"),
            format!("live.{}.js", &hex::encode(Sha256::digest(b"x"))[..HASH_LEN])
        );
        assert!(is_build_fingerprint("app.0123456789.js"), "all digits");
    }

    #[test]
    fn only_style_sheets_and_scripts() {
        assert!(is_fingerprintable("assets/style.css"));
        assert!(is_fingerprintable("live.js"));
        assert!(!is_fingerprintable("assets/logo.png"));
        assert!(!is_fingerprintable("assets/.css"));
        assert!(!is_fingerprintable("README"));
        for not in [
            "assets/style.css",
            "assets/style.3F9A1C0B7E.css",
            "assets/style.3f9a1c0b.css",
            "assets/logo.3f9a1c0b7e.png",
            "assets/.3f9a1c0b7e.css",
            "files/F0ABCDEF12/x.3f9a1c0b7e.txt",
        ] {
            assert!(!is_build_fingerprint(not), "{not}");
        }
    }
}
