//! The theme's static files as pages link to them: style sheets and scripts under their
//! fingerprinted names (`assets/style.<hash>.css`, see [`fingerprint`]), through the `asset()`
//! template function, so a changed style sheet reaches every reader at once and an unchanged one
//! can be cached for a year.
//!
//! The names are made here, from the bytes read once, and the same bytes are written under them:
//! a page never links a name whose file says something else.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use tera::{Tera, Value};

use super::incremental::signature::Signature;
use super::outputs::fingerprint;
use super::theme::Source;

/// A fingerprinted copy of a static file.
#[derive(Debug, Clone)]
pub struct Fingerprinted {
    /// Its site path, `assets/style.<hash>.css`.
    pub path: String,
    pub bytes: Arc<Vec<u8>>,
}

/// The static files' published names, and the fingerprinted copies to write.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// Static site path → fingerprinted copy (style sheets and scripts only).
    fingerprinted: BTreeMap<String, Fingerprinted>,
    /// Every static site path → the path pages link to (fingerprinted or as it is).
    links: BTreeMap<String, String>,
}

impl Assets {
    /// Reads the style sheets and scripts among `static_files` and names their copies.
    pub fn collect(static_files: &BTreeMap<String, Source>) -> Result<Assets> {
        let mut assets = Assets::default();
        for (path, source) in static_files {
            if !fingerprint::is_fingerprintable(path) {
                assets.links.insert(path.clone(), path.clone());
                continue;
            }
            let bytes = source
                .read()
                .with_context(|| format!("cannot fingerprint static file {path}"))?;
            let published = fingerprint::fingerprinted_path(path, &bytes);
            assets.links.insert(path.clone(), published.clone());
            assets.fingerprinted.insert(
                path.clone(),
                Fingerprinted {
                    path: published,
                    bytes: Arc::new(bytes),
                },
            );
        }
        Ok(assets)
    }

    /// The site path pages link to for the static file at `path`.
    pub fn link(&self, path: &str) -> Option<&str> {
        self.links.get(path).map(String::as_str)
    }

    /// The fingerprinted copies, by the static file they copy.
    pub fn fingerprinted(&self) -> &BTreeMap<String, Fingerprinted> {
        &self.fingerprinted
    }

    /// What pages that call `asset()` depend on: every static path and the name it links to.
    pub fn signature(&self) -> u64 {
        let mut sig = Signature::new();
        for (path, link) in &self.links {
            sig.push(path);
            sig.push(link);
        }
        sig.finish()
    }

    /// Registers `asset(path="assets/style.css")` on `tera`: the URL path, relative to the
    /// site's top, that pages link to for a static file (`assets/style.3f9a1c0b7e.css`).
    pub fn register(&self, tera: &mut Tera) {
        let links: HashMap<String, String> = self
            .links
            .iter()
            .map(|(path, link)| (path.clone(), crate::site_files::encode_path(link)))
            .collect();
        tera.register_function("asset", move |args: &HashMap<String, Value>| {
            let Some(path) = args.get("path").and_then(Value::as_str) else {
                return Err(tera::Error::msg(
                    "asset() needs the static file's path: asset(path=\"assets/style.css\")",
                ));
            };
            let path = path.trim_start_matches('/');
            match links.get(path) {
                Some(link) => Ok(Value::String(link.clone())),
                None => Err(tera::Error::msg(format!(
                    "asset(path=\"{path}\"): there is no static file {path} in the theme's static/ or the site's static/"
                ))),
            }
        });
    }
}

/// Whether templates (the text of a page's template closure) call `asset()`: only then do their
/// pages change with the static files.
pub fn uses_assets<'a>(mut templates: impl Iterator<Item = &'a str>) -> bool {
    templates.any(|text| text.contains("asset("))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statics(files: &[(&str, &'static str)]) -> BTreeMap<String, Source> {
        files
            .iter()
            .map(|(p, text)| (p.to_string(), Source::Builtin(text)))
            .collect()
    }

    #[test]
    fn style_sheets_and_scripts_get_fingerprinted_links() {
        let assets = Assets::collect(&statics(&[
            ("assets/style.css", "p{}"),
            ("assets/live.js", "x()"),
            ("assets/logo.png", "png"),
        ]))
        .unwrap();
        let css = assets.link("assets/style.css").unwrap();
        assert_eq!(
            css,
            fingerprint::fingerprinted_path("assets/style.css", b"p{}")
        );
        assert_eq!(assets.fingerprinted()["assets/style.css"].path, css);
        assert_eq!(*assets.fingerprinted()["assets/live.js"].bytes, b"x()");
        assert_eq!(assets.link("assets/logo.png"), Some("assets/logo.png"));
        assert_eq!(assets.fingerprinted().len(), 2);

        let mut tera = Tera::default();
        assets.register(&mut tera);
        let out = tera
            .render_str(
                "{{ asset(path='assets/style.css') }} {{ asset(path='/assets/logo.png') }}",
                &tera::Context::new(),
            )
            .unwrap();
        assert_eq!(out, format!("{css} assets/logo.png"));
        let err = tera
            .render_str("{{ asset(path='assets/nope.css') }}", &tera::Context::new())
            .unwrap_err();
        assert!(format!("{err:?}").contains("no static file assets/nope.css"));

        let changed = Assets::collect(&statics(&[
            ("assets/style.css", "p{color:red}"),
            ("assets/live.js", "x()"),
            ("assets/logo.png", "png"),
        ]))
        .unwrap();
        assert_ne!(changed.signature(), assets.signature());
        assert!(uses_assets(["a", "{{ asset(path='x') }}"].into_iter()));
        assert!(!uses_assets(
            ["{{ page.root }}assets/style.css"].into_iter()
        ));
    }
}
