//! Which URLs may become links and image sources.
//!
//! Only `http`, `https` and `mailto` are let through. Browsers strip tabs and newlines anywhere in
//! a URL and ignore leading control characters and spaces, which is how `java\tscript:` and
//! `\x01javascript:` get past naive prefix checks; so the scheme is read only from a URL with no
//! control characters or whitespace at all, after trimming the ends.

use std::borrow::Cow;

/// The URL, trimmed and with its scheme in lower case, when it is an absolute `http:`, `https:`
/// or `mailto:` URL that is safe to put in an `href` or `src` (after attribute escaping).
///
/// Relative and protocol-relative (`//host`) URLs are refused: message content has no base to be
/// relative to.
pub fn safe_url(url: &str) -> Option<Cow<'_, str>> {
    let url = url.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let colon = url.find(':')?;
    let (scheme, rest) = (&url[..colon], &url[colon + 1..]);
    let lower = if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("mailto") {
        "mailto"
    } else {
        return None;
    };
    let has_target = if lower == "mailto" {
        !rest.is_empty()
    } else {
        // An authority is required: `http:foo` would be resolved against the page.
        rest.strip_prefix("//")
            .is_some_and(|r| r.chars().next().is_some_and(|c| c != '/' && c != '\\'))
    };
    if !has_target {
        return None;
    }
    if scheme == lower {
        Some(Cow::Borrowed(url))
    } else {
        Some(Cow::Owned(format!("{lower}:{rest}")))
    }
}

/// [`safe_url`] for a link in a message, refusing Slack's own file pages
/// (`<team>.slack.com/files/…`, `files.slack.com/files-pri/…`): every reader but a signed-in
/// member of the workspace gets a login page there, so such a link renders as its text (issue
/// 13; `scrollback files` re-hosts the files themselves, shown under the message).
pub(crate) fn public_link(url: &str) -> Option<Cow<'_, str>> {
    safe_url(url).filter(|u| !is_slack_file_page(u))
}

/// Whether an absolute URL is one of Slack's file pages, which need a sign-in.
pub(crate) fn is_slack_file_page(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let slack = host == "slack.com" || host.ends_with(".slack.com");
    slack
        && (host == "files.slack.com"
            || path.starts_with("/files/")
            || path.starts_with("/files-pri/")
            || path.starts_with("/files-tmb/"))
}

/// A URL the build gave us through `Lookup` (a chat's page, a custom emoji): either a safe
/// absolute URL, or a path on this site (`/general/`, `../general/`, `general/`). Still refuses
/// other schemes and `//host`, in case the build passes on something it read from content.
pub(crate) fn safe_site_url(url: &str) -> Option<Cow<'_, str>> {
    if let Some(safe) = safe_url(url) {
        return Some(safe);
    }
    let trimmed = url.trim();
    let is_path = !trimmed.is_empty()
        && !trimmed.starts_with("//")
        && !trimmed.starts_with("\\")
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
        // A colon before the first `/`, `?` or `#` would be read as a scheme.
        && !trimmed
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'));
    is_path.then_some(Cow::Borrowed(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_file_pages_are_not_public_links() {
        for private in [
            "https://mesos-magellan.slack.com/files/U0BMQB6JE/F0VRWTJ6S/cities1000.js",
            "https://files.slack.com/files-pri/T1-F1/chart.png",
            "https://FILES.slack.com/anything",
            "https://user@team.slack.com/files-tmb/T1-F1/x_360.png",
        ] {
            assert!(is_slack_file_page(private), "{private}");
            assert!(public_link(private).is_none(), "{private}");
        }
        for public in [
            "https://slack.com/help/articles/1",
            "https://team.slack.com/archives/C1/p1",
            "https://example.com/files/report.pdf",
            "https://slack.com.evil.example/files/x",
        ] {
            assert!(public_link(public).is_some(), "{public}");
        }
    }

    fn ok(url: &str) -> Option<String> {
        safe_url(url).map(Cow::into_owned)
    }

    #[test]
    fn accepts_http_https_mailto() {
        assert_eq!(
            ok("https://example.com/a?b=1&c=2#d").as_deref(),
            Some("https://example.com/a?b=1&c=2#d")
        );
        assert_eq!(
            ok("http://example.com").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(
            ok("mailto:desk@example.com").as_deref(),
            Some("mailto:desk@example.com")
        );
        assert_eq!(
            ok("  https://example.com\n").as_deref(),
            Some("https://example.com")
        );
    }

    #[test]
    fn lowercases_the_scheme() {
        assert_eq!(
            ok("HTTPS://Example.com/X").as_deref(),
            Some("https://Example.com/X")
        );
        assert_eq!(ok("MailTo:a@b").as_deref(), Some("mailto:a@b"));
    }

    #[test]
    fn refuses_other_schemes_and_tricks() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            " javascript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "https\t://example.com",
            "ht tp://example.com",
            "https://exa mple.com",
            "https://example.com/\u{0}x",
            "https://example.com/\u{7f}x",
        ] {
            assert_eq!(ok(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn refuses_relative_and_incomplete() {
        for bad in [
            "",
            "   ",
            "/path",
            "//evil.com/x",
            "example.com",
            "https:",
            "https:/x",
            "https:example.com",
            "https:///x",
            "https:\\\\evil",
            "mailto:",
            "#top",
            "?q=1",
        ] {
            assert_eq!(ok(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn site_urls_may_be_paths_but_not_schemes() {
        let site = |u: &str| safe_site_url(u).map(Cow::into_owned);
        assert_eq!(site("/general/").as_deref(), Some("/general/"));
        assert_eq!(
            site("../general/index.html").as_deref(),
            Some("../general/index.html")
        );
        assert_eq!(site("general/?page=2").as_deref(), Some("general/?page=2"));
        assert_eq!(
            site("https://news.example/general/").as_deref(),
            Some("https://news.example/general/")
        );
        for bad in [
            "javascript:alert(1)",
            "//evil.com",
            "\\\\evil.com",
            "a b",
            "",
            "data:x",
            "x:/y",
        ] {
            assert_eq!(site(bad), None, "{bad:?}");
        }
    }
}
