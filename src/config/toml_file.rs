//! Reading the project's TOML files (`scrollback.toml`, `theme.toml`, each chat's
//! `channel.toml`) with errors a person can act on.
//!
//! The toml crate already points at the line and column; serde's type names are Rust's, though:
//! "invalid type: string \"x\", expected usize" means nothing to an editor (issue 12). Those are
//! put in words here, once for every file.

use serde::de::DeserializeOwned;

/// Parses `text` as `T`, with serde's Rust type names in an error replaced by words.
pub fn parse_toml<T: DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!(in_words(&e.to_string())))
}

/// Serde's expectations, as an editor would say them.
const TYPE_WORDS: &[(&str, &str)] = &[
    ("expected usize", "expected a whole number (such as 100)"),
    ("expected u64", "expected a whole number (such as 100)"),
    ("expected u32", "expected a whole number (such as 100)"),
    ("expected u16", "expected a whole number (such as 8080)"),
    ("expected u8", "expected a whole number from 0 to 255"),
    ("expected i64", "expected a whole number"),
    ("expected i32", "expected a whole number"),
    ("expected f64", "expected a number"),
    ("expected f32", "expected a number"),
    (
        "expected a boolean",
        "expected true or false (without quotes)",
    ),
    ("expected a sequence", "expected a list in brackets ([...])"),
    ("expected a map", "expected a table"),
    ("expected struct", "expected a table"),
];

fn in_words(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, words) in TYPE_WORDS {
        // "expected u8" must not rewrite "expected u8x": only whole words.
        let mut from = 0;
        while let Some(at) = out[from..].find(rust).map(|i| i + from) {
            let end = at + rust.len();
            let whole = out[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_');
            if whole {
                out.replace_range(at..end, words);
                from = at + words.len();
            } else {
                from = end;
            }
        }
    }
    // "invalid type: integer `-3`" is serde's; "a negative number" is what the editor wrote.
    out.replace("invalid value: integer", "invalid value: the number")
        .replace("invalid type: integer", "invalid type: the number")
        .replace("invalid type: string", "invalid type: the text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        size: Option<usize>,
        flag: Option<bool>,
        port: Option<u16>,
    }

    #[test]
    fn rust_type_names_become_words_and_the_line_stays() {
        let err = parse_toml::<Sample>("size = \"ten\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
        assert!(err.contains("expected a whole number"), "{err}");
        assert!(err.contains("the text \"ten\""), "{err}");
        assert!(!err.contains("usize"), "{err}");

        let err = parse_toml::<Sample>("size = -3\n").unwrap_err().to_string();
        assert!(err.contains("the number `-3`"), "{err}");
        assert!(!err.contains("usize"), "{err}");

        let err = parse_toml::<Sample>("flag = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected true or false"), "{err}");
        let err = parse_toml::<Sample>("port = 70000\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("u16"), "{err}");
    }

    #[test]
    fn only_whole_type_names_are_replaced() {
        assert_eq!(in_words("expected u8x"), "expected u8x");
        assert_eq!(
            in_words("invalid type: string \"x\", expected usize"),
            "invalid type: the text \"x\", expected a whole number (such as 100)"
        );
    }
}
