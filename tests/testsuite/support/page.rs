//! A parsed HTML page, for asserting what a reader's browser would see (minification drops
//! quotes, so string matching on markup is brittle).

use super::project::Project;

/// A parsed page.
pub struct Page(pub scraper::Html);

impl Page {
    pub fn parse(html: &str) -> Page {
        Page(scraper::Html::parse_document(html))
    }

    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let sel = scraper::Selector::parse(css).unwrap();
        self.0.select(&sel).collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr))
            .map(str::to_owned)
            .collect()
    }

    pub fn text(&self, css: &str) -> String {
        self.select(css)
            .iter()
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Project {
    pub fn page(&self, rel: &str) -> Page {
        Page::parse(&self.read(rel))
    }
}
