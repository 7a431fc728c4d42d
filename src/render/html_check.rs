//! Checks rendered HTML against the renderer's safety promises. Used by the unit tests (every
//! render in them goes through it), the peer-case tests and the fuzz targets, so one definition of
//! "safe" covers all three. Not part of the renderer proper: it reads only what the renderer
//! writes (no comments, no unquoted attributes), and rejects anything else.
//!
//! What it checks:
//! - only allow-listed tags, each with only its allow-listed attributes, all double-quoted;
//! - tags balanced and properly nested, no link inside a link, void tags never closed;
//! - text and attribute values hold no raw `<`, `>`, `"`, `'`, and `&` only in the five entities
//!   the escaper writes;
//! - `href` is http:, https: or mailto: (site-relative paths too, but only on channel links);
//!   `src` is http: or https: (or a site path); neither is a `javascript:` (or `vbscript:`,
//!   `data:`) URL, even with whitespace or control characters spliced in (the word itself may
//!   appear later in a URL's path, in `alt` or in text, where it is harmless);
//! - links to the outside carry `rel="noopener nofollow ugc"`;
//! - `style` is exactly one `--slack-attachment-color` or `--slack-color` hex custom property.

/// Tags the renderer writes, with the attributes each may carry. Void tags have no end tag.
const TAGS: &[(&str, &[&str], bool)] = &[
    ("a", &["href", "rel", "class"], false),
    ("b", &[], false),
    ("i", &[], false),
    ("s", &[], false),
    ("code", &[], false),
    ("pre", &[], false),
    ("blockquote", &[], false),
    ("ul", &[], false),
    ("ol", &["start"], false),
    ("li", &[], false),
    ("br", &[], true),
    ("hr", &[], true),
    ("img", &["class", "src", "alt", "loading"], true),
    ("span", &["class", "style"], false),
    ("div", &["class", "style"], false),
    ("h3", &["class"], false),
    ("time", &["datetime"], false),
    ("figure", &["class"], false),
    ("figcaption", &[], false),
];

const ENTITIES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];

const REL: &str = "noopener nofollow ugc";

/// `Ok` when `html` keeps every promise listed in the module documentation.
pub fn check_html(html: &str) -> Result<(), String> {
    if html.to_ascii_lowercase().contains("<script") {
        return Err("contains <script".into());
    }
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let text_len = rest.find('<').unwrap_or(rest.len());
        check_text(&rest[..text_len])?;
        rest = &rest[text_len..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(top) if top == name => {}
                Some(top) => return Err(format!("</{name}> closes <{top}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
        } else {
            let (name, void) = check_start_tag(tag)?;
            if name == "a" && open.contains(&"a") {
                return Err("link inside a link".into());
            }
            if !void {
                open.push(name);
            }
        }
    }
    match open.last() {
        Some(unclosed) => Err(format!("<{unclosed}> never closed")),
        None => Ok(()),
    }
}

fn check_text(text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| matches!(c, '<' | '>' | '"' | '\'')) {
        return Err(format!("raw {c:?} in text {text:?}"));
    }
    check_entities(text)
}

fn check_entities(s: &str) -> Result<(), String> {
    for (i, _) in s.match_indices('&') {
        if !ENTITIES.iter().any(|e| s[i..].starts_with(e)) {
            return Err(format!(
                "bare or unknown entity at {:?}",
                &s[i..s.len().min(i + 8)]
            ));
        }
    }
    Ok(())
}

fn decode(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Checks `name attr="value" ...`; returns the tag name and whether it is void.
fn check_start_tag(tag: &str) -> Result<(&str, bool), String> {
    let name_len = tag.find(' ').unwrap_or(tag.len());
    let name = &tag[..name_len];
    let &(_, allowed, void) = TAGS
        .iter()
        .find(|(t, _, _)| *t == name)
        .ok_or_else(|| format!("tag <{name}> not allowed"))?;
    let mut attrs: Vec<(&str, String)> = Vec::new();
    let mut rest = &tag[name_len..];
    while !rest.is_empty() {
        let after_space = rest
            .strip_prefix(' ')
            .ok_or("attributes not separated by one space")?;
        let eq = after_space
            .find("=\"")
            .ok_or("attribute not double-quoted")?;
        let attr = &after_space[..eq];
        if !allowed.contains(&attr) {
            return Err(format!("attribute {attr:?} not allowed on <{name}>"));
        }
        if attrs.iter().any(|(a, _)| *a == attr) {
            return Err(format!("duplicate attribute {attr}"));
        }
        let value_and_rest = &after_space[eq + 2..];
        let close = value_and_rest
            .find('"')
            .ok_or("unterminated attribute value")?;
        let raw = &value_and_rest[..close];
        if raw.contains(['<', '>', '\'']) {
            return Err(format!("raw markup character in {attr}={raw:?}"));
        }
        check_entities(raw)?;
        attrs.push((attr, decode(raw)));
        rest = &value_and_rest[close + 1..];
    }
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(a, _)| *a == key)
            .map(|(_, v)| v.as_str())
    };
    for (attr, value) in &attrs {
        let squeezed: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase();
        let is_url = matches!(*attr, "href" | "src");
        if is_url
            && ["javascript:", "vbscript:", "data:"]
                .iter()
                .any(|scheme| squeezed.starts_with(scheme))
        {
            return Err(format!("{attr} is a script or data URL: {value:?}"));
        }
        match *attr {
            "class" if !is_class_list(value) => return Err(format!("odd class {value:?}")),
            "style" => check_style(value)?,
            "start" if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(format!("start={value:?}"));
            }
            "rel" if value != REL => return Err(format!("rel={value:?}")),
            "loading" if value != "lazy" => return Err(format!("loading={value:?}")),
            _ => {}
        }
    }
    match name {
        "a" => {
            let href = get("href").ok_or("<a> without href")?;
            let is_channel = get("class") == Some("slack-channel");
            if is_external(href, &["http://", "https://", "mailto:"]) {
                if !is_channel && get("rel").is_none() {
                    return Err(format!("external link without rel: {href}"));
                }
            } else if !(is_channel && is_site_path(href)) {
                return Err(format!("href not http, https or mailto: {href:?}"));
            }
        }
        "img" => {
            let src = get("src").ok_or("<img> without src")?;
            if !is_external(src, &["http://", "https://"]) && !is_site_path(src) {
                return Err(format!("src not http or https: {src:?}"));
            }
            if get("alt").is_none() {
                return Err("<img> without alt".into());
            }
        }
        _ => {}
    }
    Ok((name, void))
}

/// Space-separated lower-case class names.
fn is_class_list(value: &str) -> bool {
    value.split(' ').all(|class| {
        !class.is_empty()
            && class
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

fn is_external(url: &str, schemes: &[&str]) -> bool {
    schemes
        .iter()
        .any(|s| url.starts_with(s) && url.len() > s.len())
}

/// A path on this site: no scheme before the first `/`, `?` or `#`, not `//host`.
fn is_site_path(url: &str) -> bool {
    !url.is_empty()
        && !url.starts_with("//")
        && !url.starts_with('\\')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && !url
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
}

fn check_style(style: &str) -> Result<(), String> {
    let hex = style
        .strip_prefix("--slack-attachment-color:#")
        .or_else(|| style.strip_prefix("--slack-color:#"))
        .ok_or_else(|| format!("style={style:?}"))?;
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("style color {hex:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::check_html;

    #[test]
    fn accepts_what_the_renderer_writes() {
        for ok in [
            "",
            "plain &amp; &lt;escaped&gt; &quot;q&quot; &#39;",
            "<b>x</b><i><s><code>y</code></s></i><br><hr>",
            "<a href=\"https://example.com/?a=1&amp;b=2\" rel=\"noopener nofollow ugc\">x</a>",
            "<a href=\"mailto:a@b.example\" rel=\"noopener nofollow ugc\">x</a>",
            "<a class=\"slack-channel\" href=\"/general/\">#general</a>",
            "<img class=\"emoji\" alt=\":p:\" src=\"https://e.example/p.gif\">",
            "<div class=\"slack-attachment-body\" style=\"--slack-attachment-color:#36a64f\"></div>",
            "<ol start=\"4\"><li>x<ul><li>y</li></ul></li></ol><pre>a\nb</pre>",
            "<time datetime=\"2014-02-18T14:39:42Z\">Feb 18</time>",
            "<a href=\"https://x.example/vbscript:/javascript:\" rel=\"noopener nofollow ugc\">javascript:</a>",
            "<img class=\"emoji\" alt=\"javascript:alert(1)\" src=\"https://x\">",
        ] {
            assert_eq!(check_html(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_unsafe_or_malformed() {
        for bad in [
            "<script>alert(1)</script>",
            "<SCRIPT>",
            "<b>unclosed",
            "</b>",
            "<b><i></b></i>",
            "<br></br>",
            "<iframe src=\"https://x\"></iframe>",
            "<a href=\"javascript:alert(1)\" rel=\"noopener nofollow ugc\">x</a>",
            "<a href=\"https://x\">no rel</a>",
            "<a href=\"//evil.example\" rel=\"noopener nofollow ugc\">x</a>",
            "<a href=\"/relative\" rel=\"noopener nofollow ugc\">not a channel link</a>",
            "<a class=\"slack-channel\" href=\"java&#39;script:x\">x</a>",
            "<a class=\"slack-channel\" href=\"java&#x09;script:x\">x</a>",
            "<img alt=\"\" src=\" javascript:alert(1)\">",
            "<a href=https://x rel=\"noopener nofollow ugc\">unquoted</a>",
            "<a href=\"https://x\" rel=\"noopener nofollow ugc\"><a href=\"https://y\" rel=\"noopener nofollow ugc\">x</a></a>",
            "<b onclick=\"x\">x</b>",
            "<img src=\"data:image/png,x\" alt=\"\">",
            "<img src=\"https://x\">",
            "<div style=\"color:red\"></div>",
            "<div style=\"--slack-color:#fff;background:url(x)\"></div>",
            "<span class=\"a&quot;b\"></span>",
            "text with raw > and \"",
            "bare & ampersand",
            "&nbsp;",
            "<b",
        ] {
            assert!(check_html(bad).is_err(), "accepted {bad:?}");
        }
    }
}
