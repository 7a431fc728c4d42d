//! The languages scrollback writes dates in: each one's month and weekday names, date and clock
//! patterns ([`calendar`]) and plural rule ([`plural`]).
//!
//! One table per language, shared by the pages' times ([`crate::build::chat::view::TimeView`]),
//! the templates' `date` filter and Slack's own date tokens in messages, so a page never mixes
//! two languages' dates. Theme UI strings are not here: they live in each theme's
//! `i18n/<lang>.toml` (see `crate::build::translations`).

pub mod calendar;
pub mod plural;

/// A language scrollback has a calendar for. `language` tags without one get English dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Language {
    #[default]
    English,
    French,
    Spanish,
}

impl Language {
    /// The language of a BCP 47 tag ("fr", "fr-CA", "es_MX", "EN"), by its primary subtag;
    /// `None` when scrollback has no calendar for it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        match primary_subtag(tag).as_str() {
            "en" => Some(Language::English),
            "fr" => Some(Language::French),
            "es" => Some(Language::Spanish),
            _ => None,
        }
    }

    /// Like [`Language::from_tag`], English when there is no calendar for the tag.
    pub fn from_tag_or_english(tag: &str) -> Language {
        Language::from_tag(tag).unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Spanish => "es",
        }
    }
}

/// "fr" of "fr-CA", "fr_CA" or "FR".
pub fn primary_subtag(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_by_primary_subtag() {
        assert_eq!(Language::from_tag("fr"), Some(Language::French));
        assert_eq!(Language::from_tag("fr-CA"), Some(Language::French));
        assert_eq!(Language::from_tag("es_MX"), Some(Language::Spanish));
        assert_eq!(Language::from_tag("EN-gb"), Some(Language::English));
        assert_eq!(Language::from_tag("de"), None);
        assert_eq!(Language::from_tag_or_english("de"), Language::English);
    }
}
