//! Plural rules: which form of a counted string ("1 reply", "2 replies") a number takes.
//!
//! Forms are named as in Unicode CLDR (`one`, `other`), which is also what the browser's
//! `Intl.PluralRules` answers, so `live.js` picks the same form as the build. Only `one` and
//! `other` are told apart here: that covers the languages shipped; a table's other CLDR forms
//! (`few`, `many`) are used by the browser and fall back to `other` in the build.

/// The CLDR plural category of the whole number `n` in the language of `tag`.
pub fn category(tag: &str, n: u64) -> &'static str {
    let one = match super::primary_subtag(tag).as_str() {
        // French: 0 and 1 are singular ("0 réponse", "1 réponse", "2 réponses").
        "fr" => n <= 1,
        _ => n == 1,
    };
    if one { "one" } else { "other" }
}

#[cfg(test)]
mod tests {
    use super::category;

    #[test]
    fn english_and_spanish_singular_is_one_only() {
        for tag in ["en", "en-US", "es", "de"] {
            assert_eq!(category(tag, 0), "other", "{tag}");
            assert_eq!(category(tag, 1), "one", "{tag}");
            assert_eq!(category(tag, 2), "other", "{tag}");
        }
    }

    #[test]
    fn french_singular_is_zero_and_one() {
        assert_eq!(category("fr", 0), "one");
        assert_eq!(category("fr-CA", 1), "one");
        assert_eq!(category("fr", 2), "other");
        assert_eq!(category("fr", 1000), "other");
    }
}
