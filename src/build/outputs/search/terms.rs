//! What a word is, for the index and for the search page alike.
//!
//! The search page (`assets/search.js`) splits and folds a query with the same rules, so both
//! must change together: a word is a run of letters and digits (any script); it is lowercased,
//! its accents are dropped (NFD, then combining marks removed, then NFC) and a final sigma becomes
//! a plain one. Chinese and Japanese write no spaces: each of their ideographs and kana is a word of its
//! own, so a query of a few characters still finds them. A term is filed in the bucket of its
//! first [`KEY_CHARS`] characters, so a query's last, unfinished word (three characters or more)
//! finds every term it begins in one bucket.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How many characters of a term choose its bucket.
pub const KEY_CHARS: usize = 3;

/// Terms longer than this are cut (a pasted hash or URL would only bloat the index).
pub const MAX_TERM_CHARS: usize = 40;

/// The distinct terms of `text`, in order of first appearance.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in fold(text).chars() {
        if is_ideograph(c) {
            end_word(&mut word, &mut out);
            word.push(c);
            end_word(&mut word, &mut out);
        } else if c.is_alphanumeric() {
            word.push(c);
        } else {
            end_word(&mut word, &mut out);
        }
    }
    end_word(&mut word, &mut out);
    out
}

/// Adds the word being read to `out` (cut, once) and starts the next.
fn end_word(word: &mut String, out: &mut Vec<String>) {
    if !word.is_empty() {
        let term: String = word.chars().take(MAX_TERM_CHARS).collect();
        if !out.contains(&term) {
            out.push(term);
        }
        word.clear();
    }
}

/// Lowercase, without accents, final sigma folded; composed again (NFC), so Hangul syllables
/// stay syllables.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .nfc()
        .collect()
}

/// CJK ideographs, hiragana and katakana: written without spaces between words.
fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The bucket (`0..buckets`) a term is filed in: FNV-1a (32 bits) of the UTF-8 of its first
/// [`KEY_CHARS`] characters, which the search page computes the same way.
pub fn bucket_of(term: &str, buckets: u32) -> u32 {
    let key: String = term.chars().take(KEY_CHARS).collect();
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split_in_any_script() {
        assert_eq!(
            terms("Café au LAIT, café! Ünïcödé-test 42"),
            ["cafe", "au", "lait", "unicode", "test", "42"]
        );
        assert_eq!(terms("ΟΔΟΣ οδος"), ["οδοσ"]);
        assert_eq!(terms("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(terms("한국어"), ["한국어"]);
        assert_eq!(terms("  "), Vec::<String>::new());
        assert_eq!(terms(&"a".repeat(100))[0].len(), MAX_TERM_CHARS);
    }

    #[test]
    fn buckets_follow_the_first_characters() {
        // The values the search page's JavaScript gives (FNV-1a over UTF-8).
        assert_eq!(bucket_of("", 128), 0x811c_9dc5 % 128);
        assert_eq!(
            bucket_of("hello", 1u32 << 31),
            bucket_of("helicopter", 1u32 << 31)
        );
        assert_eq!(bucket_of("a", u32::MAX), 0xe40c_292c);
        assert_ne!(
            bucket_of("hello", 1u32 << 31),
            bucket_of("world", 1u32 << 31)
        );
    }
}
