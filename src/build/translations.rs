//! A theme's words in the site's language: `i18n/<lang>.toml` of the theme, overridden key by
//! key by the site's own `i18n/<lang>.toml`, on top of English.
//!
//! Templates print them with `t(key="edited")` (counted strings with `n=`), and the live page's
//! script gets the whole table from the page (`translations()`), so no theme word is written in
//! one language only. A key the language lacks shows in English; a language the theme lacks is a
//! warning, not an error: `language` also sets `<html lang>`, and sites built with any language
//! before translations existed must keep building (the pages then read in English, as before).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::theme::{Source, Theme};
use crate::locale::{Language, plural};

/// The plural categories a counted string may have (Unicode CLDR's names).
const PLURAL_FORMS: &[&str] = &["zero", "one", "two", "few", "many", "other"];

/// The merged table: key → a string, or an object of plural forms (`one`, `other`, …).
#[derive(Debug, Clone, Default)]
pub struct Translations {
    /// The site's `language` tag, for plural rules.
    pub language: String,
    pub strings: Map<String, Value>,
}

impl Translations {
    /// The words for `language` from a theme's translation files, and warnings for the reader
    /// of the build's log (a missing language, keys only English has).
    pub fn load(
        files: &BTreeMap<String, Vec<Source>>,
        language: &str,
    ) -> Result<(Translations, Vec<String>)> {
        let mut warnings = Vec::new();
        let mut strings = Map::new();
        if files.is_empty() {
            // A theme without translations writes its words in its templates.
            return Ok((
                Translations {
                    language: language.to_owned(),
                    strings,
                },
                warnings,
            ));
        }
        let primary = crate::locale::primary_subtag(language);
        let wanted = [format!("{language}.toml"), format!("{primary}.toml")];
        let chosen = wanted.iter().find(|f| files.contains_key(*f));
        if let Some(english) = files.get("en.toml") {
            for src in english {
                merge(&mut strings, src)?;
            }
        }
        match chosen {
            Some(file) if file != "en.toml" => {
                let mut own = Map::new();
                for src in &files[file] {
                    merge(&mut own, src)?;
                }
                let missing: Vec<&String> =
                    strings.keys().filter(|k| !own.contains_key(*k)).collect();
                if !missing.is_empty() {
                    warnings.push(format!(
                        "i18n/{file} has no {} (shown in English): add {} to the site's i18n/{file}",
                        list(&missing),
                        if missing.len() == 1 { "it" } else { "them" },
                    ));
                }
                strings.extend(own);
            }
            Some(_) => {}
            None => warnings.push(format!(
                "the theme has no words in language {language:?} (it has {}): pages show them in \
                 English; translate the theme's i18n/en.toml into the site's i18n/{primary}.toml",
                files
                    .keys()
                    .map(|f| f.trim_end_matches(".toml"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
        Ok((
            Translations {
                language: language.to_owned(),
                strings,
            },
            warnings,
        ))
    }

    /// The string `key` with its `{name}` placeholders filled from `args`; a counted string takes
    /// the form the number `n` needs in the site's language.
    pub fn get(&self, key: &str, args: &HashMap<String, Value>) -> Result<String> {
        let Some(value) = self.strings.get(key) else {
            bail!(
                "t(key={key:?}): no such key in the theme's i18n/en.toml or i18n/{}.toml",
                crate::locale::primary_subtag(&self.language)
            );
        };
        let template = match value {
            Value::String(s) => s.as_str(),
            Value::Object(forms) => {
                let n = args.get("n").and_then(Value::as_f64).with_context(|| {
                    format!("t(key={key:?}) is a counted string: give its number as n=")
                })?;
                let form = plural::category(&self.language, n.max(0.0) as u64);
                forms
                    .get(form)
                    .or_else(|| forms.get("other"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            }
            _ => "",
        };
        let html = key.ends_with("_html");
        let mut out = template.to_owned();
        for (name, value) in args {
            if name == "key" {
                continue;
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.as_f64().map_or(n.to_string(), |f| {
                    if f.fract() == 0.0 {
                        format!("{f:.0}")
                    } else {
                        f.to_string()
                    }
                }),
                other => other.to_string(),
            };
            let text = if html {
                crate::render::escape_html(&text)
            } else {
                text
            };
            out = out.replace(&format!("{{{name}}}"), &text);
        }
        Ok(out)
    }

    /// What the build's signature takes from the table: any change re-renders every page.
    pub fn fingerprint(&self) -> String {
        format!("{}\n{}", self.language, Value::Object(self.strings.clone()))
    }
}

/// Reads one translation file over `into`, key by key, checking every value's shape.
fn merge(into: &mut Map<String, Value>, src: &Source) -> Result<()> {
    let text = String::from_utf8(src.read()?)
        .with_context(|| format!("{} is not UTF-8", src.describe()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("in {}", src.describe()))?;
    for (key, value) in table {
        let value = match value {
            toml::Value::String(s) => Value::String(s),
            toml::Value::Table(forms) => {
                let mut out = Map::new();
                for (form, text) in forms {
                    let (true, toml::Value::String(text)) =
                        (PLURAL_FORMS.contains(&form.as_str()), text)
                    else {
                        bail!(
                            "in {}: [{key}] {form} must be a plural form ({}) set to a string",
                            src.describe(),
                            PLURAL_FORMS.join(", ")
                        );
                    };
                    out.insert(form, Value::String(text));
                }
                if !out.contains_key("other") {
                    bail!(
                        "in {}: [{key}] needs an `other` form (used for any number without a form of its own)",
                        src.describe()
                    );
                }
                Value::Object(out)
            }
            _ => bail!(
                "in {}: {key} must be a string, or a table of plural forms (one = \"…\", other = \"…\")",
                src.describe()
            ),
        };
        into.insert(key, value);
    }
    Ok(())
}

fn list(keys: &[&String]) -> String {
    let mut names: Vec<&str> = keys.iter().take(5).map(|k| k.as_str()).collect();
    let more = keys.len().saturating_sub(5);
    let more = (more > 0).then(|| format!("{more} more"));
    names.extend(more.as_deref());
    names.join(", ")
}

/// Chooses the theme's words for the site's `language`, and gives the templates `t()`,
/// `translations()` and the `date` filter in that language and `tz`. Returns the warnings to log.
pub fn install(theme: &mut Theme, language: &str, tz: &jiff::tz::TimeZone) -> Result<Vec<String>> {
    let (translations, mut warnings) = Translations::load(&theme.translation_files, language)?;
    if Language::from_tag(language).is_none() {
        warnings.push(format!(
            "language = {language:?}: scrollback writes dates in English, French (fr) or Spanish \
             (es) only, so dates are in English"
        ));
    }
    let shared = Arc::new(translations.clone());
    let t = Arc::clone(&shared);
    theme
        .tera
        .register_function("t", move |args: &HashMap<String, Value>| {
            let key = args
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("t() needs key=\"…\" (a key of i18n/en.toml)"))?;
            t.get(key, args)
                .map(Value::String)
                .map_err(|e| tera::Error::msg(e.to_string()))
        });
    let all = Arc::clone(&shared);
    theme
        .tera
        .register_function("translations", move |_: &HashMap<String, Value>| {
            Ok(serde_json::json!({
                "language": all.language,
                "strings": Value::Object(all.strings.clone()),
            }))
        });
    super::date_filter::register(
        &mut theme.tera,
        tz.clone(),
        Language::from_tag_or_english(language),
    );
    theme.translations = translations;
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &'static str)]) -> BTreeMap<String, Vec<Source>> {
        let mut out: BTreeMap<String, Vec<Source>> = BTreeMap::new();
        for (name, text) in list {
            out.entry(name.to_string())
                .or_default()
                .push(Source::Builtin(text));
        }
        out
    }

    const EN: &str = "edited = \"(edited)\"\nlive = \"Live\"\n[replies]\none = \"{n} reply\"\nother = \"{n} replies\"\n";
    const FR: &str =
        "edited = \"(modifié)\"\n[replies]\none = \"{n} réponse\"\nother = \"{n} réponses\"\n";

    fn get(t: &Translations, key: &str, n: Option<u64>) -> String {
        let mut args = HashMap::new();
        if let Some(n) = n {
            args.insert("n".to_owned(), Value::from(n));
        }
        t.get(key, &args).unwrap()
    }

    #[test]
    fn the_language_over_english_with_french_plurals() {
        let (t, warnings) =
            Translations::load(&files(&[("en.toml", EN), ("fr.toml", FR)]), "fr-CA").unwrap();
        assert_eq!(get(&t, "edited", None), "(modifié)");
        assert_eq!(
            get(&t, "live", None),
            "Live",
            "a missing key falls back to English"
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("has no live"), "{warnings:?}");
        assert_eq!(get(&t, "replies", Some(0)), "0 réponse");
        assert_eq!(get(&t, "replies", Some(1)), "1 réponse");
        assert_eq!(get(&t, "replies", Some(2)), "2 réponses");
        let (en, _) = Translations::load(&files(&[("en.toml", EN)]), "en").unwrap();
        assert_eq!(get(&en, "replies", Some(0)), "0 replies");
        assert_eq!(get(&en, "replies", Some(1)), "1 reply");
    }

    #[test]
    fn the_site_overrides_key_by_key() {
        let mut f = files(&[("en.toml", EN), ("fr.toml", FR)]);
        f.get_mut("fr.toml")
            .unwrap()
            .push(Source::Builtin("edited = \"(corrigé)\"\n"));
        let (t, _) = Translations::load(&f, "fr").unwrap();
        assert_eq!(get(&t, "edited", None), "(corrigé)");
        assert_eq!(get(&t, "replies", Some(3)), "3 réponses");
    }

    #[test]
    fn a_missing_language_is_english_with_a_warning() {
        let (t, warnings) =
            Translations::load(&files(&[("en.toml", EN), ("fr.toml", FR)]), "de").unwrap();
        assert_eq!(get(&t, "edited", None), "(edited)");
        assert!(
            warnings[0].contains("\"de\"") && warnings[0].contains("i18n/de.toml"),
            "{warnings:?}"
        );
    }

    #[test]
    fn bad_tables_and_keys_are_errors_that_name_them() {
        let bad = files(&[("en.toml", "[replies]\none = \"{n} reply\"\n")]);
        let e = Translations::load(&bad, "en").unwrap_err();
        assert!(
            format!("{e:#}").contains("[replies] needs an `other` form"),
            "{e:#}"
        );
        let (t, _) = Translations::load(&files(&[("en.toml", EN)]), "en").unwrap();
        let e = t.get("nope", &HashMap::new()).unwrap_err();
        assert!(e.to_string().contains("\"nope\""), "{e}");
        assert!(t.get("replies", &HashMap::new()).is_err(), "n= is required");
    }

    #[test]
    fn html_strings_escape_their_arguments() {
        let (t, _) = Translations::load(
            &files(&[("en.toml", "x_html = \"<b>{name}</b>\"\ny = \"{name}\"\n")]),
            "en",
        )
        .unwrap();
        let args = HashMap::from([("name".to_owned(), Value::from("<i>"))]);
        assert_eq!(t.get("x_html", &args).unwrap(), "<b>&lt;i&gt;</b>");
        assert_eq!(
            t.get("y", &args).unwrap(),
            "<i>",
            "plain strings are escaped by the template"
        );
    }
}
