//! Themes: tera templates and static files, from `themes/<name>/`, overridden file by file by the
//! site's own `templates/` and `static/` folders.
//!
//! A theme folder holds `theme.toml` (name, description, `[extra]` settings the site's config can
//! override), `templates/` (`base.html`, `index.html`, `chat.html`, `message.html`, ...) and
//! `static/` (copied to the top of `site/`) and `i18n/<lang>.toml` (its words per language, see
//! [`super::translations`]). See THEMES.md for the contract.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use tera::Tera;

use super::assets::Assets;
use crate::project::Project;

/// The default theme, compiled in, so `init` works from an installed binary and a project that
/// deleted `themes/default/` still builds.
pub const BUILTIN_DEFAULT: &[(&str, &str)] = &[
    (
        "theme.toml",
        include_str!("../../themes/default/theme.toml"),
    ),
    (
        "templates/base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "templates/chat.html",
        include_str!("../../themes/default/templates/chat.html"),
    ),
    (
        "templates/message.html",
        include_str!("../../themes/default/templates/message.html"),
    ),
    (
        "templates/thread.html",
        include_str!("../../themes/default/templates/thread.html"),
    ),
    (
        "templates/pagination.html",
        include_str!("../../themes/default/templates/pagination.html"),
    ),
    (
        "templates/social.html",
        include_str!("../../themes/default/templates/social.html"),
    ),
    (
        "templates/search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "static/assets/style.css",
        include_str!("../../themes/default/static/assets/style.css"),
    ),
    (
        "static/assets/live.js",
        include_str!("../../themes/default/static/assets/live.js"),
    ),
    (
        "static/assets/search.js",
        include_str!("../../themes/default/static/assets/search.js"),
    ),
    (
        "i18n/en.toml",
        include_str!("../../themes/default/i18n/en.toml"),
    ),
    (
        "i18n/fr.toml",
        include_str!("../../themes/default/i18n/fr.toml"),
    ),
    (
        "i18n/es.toml",
        include_str!("../../themes/default/i18n/es.toml"),
    ),
];

/// Where a theme or override file comes from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Builtin(&'static str),
}

impl Source {
    pub fn read(&self) -> Result<Vec<u8>> {
        match self {
            Source::File(p) => {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            }
            Source::Builtin(text) => Ok(text.as_bytes().to_vec()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Builtin(_) => "the built-in default theme".to_owned(),
        }
    }
}

/// `theme.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeManifest {
    pub name: String,
    pub description: String,
    /// Settings the templates read as `site.extra.*`; `scrollback.toml`'s `[extra]` overrides.
    pub extra: toml::Table,
}

/// A loaded theme, with the site's overrides applied.
#[derive(Debug)]
pub struct Theme {
    /// The templates, minified once at load time (see [`minify_template`]).
    pub tera: Tera,
    /// Whether pages still need minifying after rendering (only when a template could not be
    /// minified as a template).
    pub minify_output: bool,
    pub manifest: ThemeManifest,
    /// Template name → where it came from.
    pub templates: BTreeMap<String, Source>,
    /// Template name → its text as written (for dependency tracking and signatures).
    pub sources: BTreeMap<String, String>,
    /// Path under `site/` → where it comes from.
    pub static_files: BTreeMap<String, Source>,
    /// The fingerprinted style sheets and scripts, and what `asset()` links to.
    pub assets: Assets,
    /// Translation file name (`fr.toml`) → the theme's file, then the site's (which overrides
    /// it key by key).
    pub translation_files: BTreeMap<String, Vec<Source>>,
    /// The words in the site's language, once the build has chosen them
    /// ([`super::translations::install`]); empty until then.
    pub translations: super::translations::Translations,
}

/// The templates every theme must provide.
pub const REQUIRED_TEMPLATES: &[&str] = &["index.html", "chat.html"];

impl Theme {
    /// Lists the static files again (the templates stay as they are): a stylesheet edit costs
    /// a directory listing, not a template compilation.
    pub fn refresh_static(&mut self, project: &Project, name: &str) -> Result<()> {
        let dir = project.themes_dir().join(name);
        let mut static_files = BTreeMap::new();
        if dir.is_dir() {
            collect(&dir.join("static"), &mut static_files)?;
        } else if name == "default" {
            for (path, text) in BUILTIN_DEFAULT {
                if let Some(s) = path.strip_prefix("static/") {
                    static_files.insert(s.to_owned(), Source::Builtin(text));
                }
            }
        }
        collect(&project.static_dir(), &mut static_files)?;
        self.assets = Assets::collect(&static_files)?;
        self.assets.register(&mut self.tera);
        self.static_files = static_files;
        Ok(())
    }

    pub fn load(project: &Project, name: &str) -> Result<Theme> {
        let dir = project.themes_dir().join(name);
        let mut templates = BTreeMap::new();
        let mut static_files = BTreeMap::new();
        let mut manifest_source = None;
        let mut theme_i18n = BTreeMap::new();
        if dir.is_dir() {
            collect(&dir.join("templates"), &mut templates)?;
            collect(&dir.join("static"), &mut static_files)?;
            collect(&dir.join("i18n"), &mut theme_i18n)?;
            let m = dir.join("theme.toml");
            if m.is_file() {
                manifest_source = Some(Source::File(m));
            }
        } else if name == "default" {
            for (path, text) in BUILTIN_DEFAULT {
                if let Some(t) = path.strip_prefix("templates/") {
                    templates.insert(t.to_owned(), Source::Builtin(text));
                } else if let Some(s) = path.strip_prefix("static/") {
                    static_files.insert(s.to_owned(), Source::Builtin(text));
                } else if let Some(t) = path.strip_prefix("i18n/") {
                    theme_i18n.insert(t.to_owned(), Source::Builtin(text));
                } else if *path == "theme.toml" {
                    manifest_source = Some(Source::Builtin(text));
                }
            }
        } else {
            bail!(
                "theme {name:?} not found: there is no folder {} (scrollback.toml's `theme`)",
                dir.display()
            );
        }
        // The site's own files win over the theme's.
        collect(&project.templates_dir(), &mut templates)?;
        collect(&project.static_dir(), &mut static_files)?;
        let mut site_i18n = BTreeMap::new();
        collect(&project.i18n_dir(), &mut site_i18n)?;
        let mut translation_files: BTreeMap<String, Vec<Source>> = BTreeMap::new();
        for (file, src) in theme_i18n.into_iter().chain(site_i18n) {
            translation_files.entry(file).or_default().push(src);
        }

        let manifest = match &manifest_source {
            Some(src) => {
                let text = String::from_utf8(src.read()?)
                    .with_context(|| format!("{} is not UTF-8", src.describe()))?;
                crate::config::parse_toml(&text)
                    .with_context(|| format!("in {}", src.describe()))?
            }
            None => ThemeManifest::default(),
        };

        for required in REQUIRED_TEMPLATES {
            if !templates.contains_key(*required) {
                bail!("theme {name:?} has no templates/{required}");
            }
        }
        let mut sources = Vec::new();
        for (tname, src) in &templates {
            let text = String::from_utf8(src.read()?)
                .with_context(|| format!("{} is not UTF-8", src.describe()))?;
            sources.push((tname.clone(), text));
        }
        // Parse the templates as written first, so errors name the lines designers see.
        let mut tera = new_tera();
        let texts: BTreeMap<String, String> = sources.iter().cloned().collect();
        tera.add_raw_templates(sources.clone())
            .map_err(|e| template_error(e, &templates, &texts))?;
        let mut minified = Vec::with_capacity(sources.len());
        let mut unsafe_template = None;
        for (name, text) in &sources {
            let small = minify_template(text);
            if !same_structure(text, &small) {
                unsafe_template = Some(name.clone());
            }
            minified.push((name.clone(), small));
        }
        let mut fast = new_tera();
        let minify_output = match (unsafe_template, fast.add_raw_templates(minified)) {
            (None, Ok(())) => false,
            (Some(name), _) => {
                tracing::info!(
                    "{name} cannot be minified as a template (a template tag inside an HTML tag, or a closing tag inside a condition?): pages are minified after rendering, which is slower"
                );
                true
            }
            (None, Err(e)) => {
                tracing::info!(
                    "templates cannot be minified as templates: {}",
                    template_error(e, &templates, &texts)
                );
                true
            }
        };
        if !minify_output {
            tera = fast;
        }
        let assets = Assets::collect(&static_files)?;
        assets.register(&mut tera);
        Ok(Theme {
            assets,
            sources: texts,
            tera,
            minify_output,
            manifest,
            templates,
            static_files,
            translation_files,
            translations: Default::default(),
        })
    }
}

fn new_tera() -> Tera {
    let mut tera = Tera::default();
    tera.register_filter("filesize", filesize_filter);
    // The renderer's escaping (`&<>"'`); Tera's default also escapes `/`, which only makes
    // every URL in an attribute harder to read.
    tera.set_escape_fn(crate::render::escape_html);
    tera
}

/// Minifies a template's HTML, passing `{{ }}`, `{% %}` and `{# #}` through untouched.
///
/// Minifying each rendered page cost a third of a full build (every page is megabytes of
/// messages); minifying the templates once gives the same pages, since the renderer's message
/// HTML is already minimal.
pub fn minify_template(text: &str) -> String {
    let cfg = minify_html::Cfg {
        preserve_brace_template_syntax: true,
        ..super::outputs::pages::minify_cfg()
    };
    String::from_utf8(minify_html::minify(text.as_bytes(), &cfg))
        .unwrap_or_else(|_| text.to_owned())
}

/// Whether minifying a template kept what matters: the same template tags,
/// and the same HTML tags (minify-html drops a closing tag it cannot match, which it cannot when
/// the opening tag sits in another branch of a condition).
fn same_structure(original: &str, minified: &str) -> bool {
    fn template_tags(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find(['{']) {
            let tail = &rest[i..];
            let close = match tail.get(..2) {
                Some("{{") => "}}",
                Some("{%") => "%}",
                Some("{#") => "#}",
                _ => {
                    rest = &tail[1..];
                    continue;
                }
            };
            match tail.find(close) {
                Some(end) => {
                    out.push(
                        tail[..end + 2]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    rest = &tail[end + 2..];
                }
                None => break,
            }
        }
        // minify-html reorders attributes, so compare as a multiset.
        out.sort();
        out
    }
    fn html_tags(s: &str) -> Vec<String> {
        let mut tags: Vec<String> = s
            .match_indices('<')
            .filter_map(|(i, _)| {
                let name: String = s[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
                    .collect::<String>()
                    .to_ascii_lowercase();
                (!name.is_empty() && name != "!--").then_some(name)
            })
            .collect();
        tags.sort();
        tags
    }
    template_tags(original) == template_tags(minified) && html_tags(original) == html_tags(minified)
}

/// Adds every file under `dir` (if it exists) to `into`, keyed by its `/`-separated path.
fn collect(dir: &Path, into: &mut BTreeMap<String, Source>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let Some(rel) = rel.to_str() else { continue };
        let name = rel.replace('\\', "/");
        // Editors' swap and backup files are not part of a theme.
        let file = name.rsplit('/').next().unwrap_or(&name);
        if file.starts_with('.') || file.ends_with('~') || file.ends_with(".swp") {
            continue;
        }
        into.insert(name, Source::File(entry.into_path()));
    }
    Ok(())
}

/// Tera's errors name the template; this adds the file it came from and, for errors found while
/// rendering (which tera reports without a position), the line that holds the name it could not
/// resolve. Tera nests the same failure once per template on the way (`chat.html` including
/// `message.html`): each message is kept once.
pub fn template_error(
    e: tera::Error,
    templates: &BTreeMap<String, Source>,
    sources: &BTreeMap<String, String>,
) -> anyhow::Error {
    let mut messages: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !messages.iter().any(|m| m.contains(&text)) {
            messages.push(text);
        }
        cur = err.source();
    }
    let msg = messages.join(": ");
    // The template the failure happened in: the last one named, innermost first.
    let culprit = messages
        .iter()
        .rev()
        .find_map(|m| last_template_named(m, templates));
    let place = match culprit {
        Some(name) if !msg.contains(" --> ") => {
            let lines = sources
                .get(name)
                .map(|text| lines_naming(text, &messages))
                .unwrap_or_default();
            match lines.as_slice() {
                [] => format!(" in {name}"),
                [one] => format!(" in {name} line {one}"),
                many => format!(
                    " in {name} lines {}",
                    many.iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        _ => String::new(),
    };
    let mut text = format!("template error{place}: {msg}");
    let files: Vec<String> = templates
        .iter()
        .filter(|(name, _)| msg.contains(&format!("'{name}'")))
        .map(|(name, src)| format!("{name} is {}", src.describe()))
        .collect();
    if !files.is_empty() {
        text.push_str(&format!("\n({})", files.join("; ")));
    }
    if msg.contains("not found in context") {
        text.push_str(
            "\n(THEMES.md lists what each template receives; a value that may be missing needs {% if … %} or `| default(value=\"\")`)",
        );
    }
    anyhow::anyhow!(text)
}

/// The template a tera message names last (`... while rendering 'message.html'`).
fn last_template_named<'a>(
    message: &str,
    templates: &'a BTreeMap<String, Source>,
) -> Option<&'a str> {
    templates
        .keys()
        .filter_map(|name| message.rfind(&format!("'{name}'")).map(|at| (at, name)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, name)| name.as_str())
}

/// The lines (1-based, at most three) of `text` holding what a message quotes: the variable,
/// filter, function or test tera could not resolve (`Variable \`a.b\` not found`, `Filter 'f'
/// not found`).
fn lines_naming(text: &str, messages: &[String]) -> Vec<usize> {
    let quoted = |m: &str| -> Vec<String> {
        let mut out = Vec::new();
        for quote in ['`', '\''] {
            let mut parts = m.split(quote);
            parts.next();
            while let (Some(inside), Some(_)) = (parts.next(), parts.next()) {
                out.push(inside.to_owned());
            }
            // An odd last part is after the final quote: not quoted.
        }
        out
    };
    let Some(needle) = messages
        .iter()
        .rev()
        .flat_map(|m| quoted(m))
        .find(|q| !q.is_empty() && !q.ends_with(".html") && !q.contains(' '))
    else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle.as_str()))
        .map(|(i, _)| i + 1)
        .take(3)
        .collect()
}

/// `{{ bytes | filesize }}`: "1.2 MB". (Tera's own `filesizeformat` needs a heavier build.)
fn filesize_filter(
    value: &tera::Value,
    _args: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let bytes = value
        .as_f64()
        .ok_or_else(|| tera::Error::msg("filesize expects a number of bytes"))?;
    Ok(tera::Value::String(human_size(bytes)))
}

pub fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut size = bytes.max(0.0);
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size:.0} {}", UNITS[unit])
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_theme_minifies_as_templates() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(&Project::new(dir.path()), "default").unwrap();
        assert!(!theme.minify_output);
        let source = BUILTIN_DEFAULT
            .iter()
            .find(|(name, _)| *name == "templates/chat.html")
            .unwrap()
            .1;
        let chat = minify_template(source);
        assert!(same_structure(source, &chat));
        assert!(chat.contains("{% for message in ordered %}"), "{chat}");
        assert!(!chat.contains("\n  "), "{chat}");
    }
}

#[cfg(test)]
mod structure_tests {
    use super::*;

    #[test]
    fn templates_the_minifier_would_break_are_detected() {
        for bad in [
            "<img src=x{% if a %} width=1{% endif %} alt=y>",
            "{% if u %}<a href=x>{% else %}<span>{% endif %}t{% if u %}</a>{% else %}</span>{% endif %}",
        ] {
            assert!(!same_structure(bad, &minify_template(bad)), "{bad}");
        }
        let good = "<p class=\"{% if a %}x{% endif %}\">\n  {{ b }}\n</p>";
        assert!(same_structure(good, &minify_template(good)));
    }
}
