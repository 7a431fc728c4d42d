//! `robots.txt`: the public site invites every crawler and names its sitemap; the drafts
//! preview turns every crawler away, whatever its config says, as it must never be indexed.

use super::sitemap;

/// The site's `robots.txt`: allow all, and the sitemap's absolute URL (`base_url` without a
/// trailing `/`). Crawlers read it only at the top of a host, so it works when the site is
/// served there.
pub fn site(base_url: &str) -> Vec<u8> {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {base_url}/{}\n",
        sitemap::INDEX
    )
    .into_bytes()
}

/// The drafts preview's `robots.txt`: nothing may be crawled.
pub fn preview() -> Vec<u8> {
    b"User-agent: *\nDisallow: /\n".to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_invites_crawlers_and_the_preview_does_not() {
        let site = String::from_utf8(site("https://x.org/c")).unwrap();
        assert!(site.contains("Allow: /\n") && !site.contains("Disallow"));
        assert!(site.ends_with("Sitemap: https://x.org/c/sitemap.xml\n"));
        let preview = String::from_utf8(preview()).unwrap();
        assert!(preview.contains("Disallow: /\n") && !preview.contains("Sitemap"));
    }
}
