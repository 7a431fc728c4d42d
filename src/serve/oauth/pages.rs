//! The install's pages: "Add to Slack" with the scopes and why each is needed, and what came of
//! the callback. Plain HTML: every value escaped, no script and no inline style, so they work
//! under the site's Content-Security-Policy (or the strict one sent when the site has none).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::render::escape_html as esc;
use crate::slack::scopes::BOT_SCOPES;

/// The policy for these pages when the site sets none: they load nothing at all.
const STRICT_CSP: &str = "default-src 'none'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// A whole page: `title` and `body` (already HTML), never cached, never framed, and sending no
/// `Referer` (the callback's address carries the code).
pub(super) fn page(status: StatusCode, csp: Option<&str>, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n</head>\n<body>\n\
         <main>\n<h1>{}</h1>\n{body}</main>\n</body>\n</html>\n",
        esc(title),
        esc(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, csp.unwrap_or(STRICT_CSP)),
        ],
        html,
    )
        .into_response()
}

/// "Add to Slack": the link to Slack's authorize page and the scopes it asks for.
pub(super) fn install(csp: Option<&str>, authorize: &str) -> Response {
    let mut body = String::from(
        "<p>scrollback publishes Slack conversations as live pages and archives. Adding it to \
         a workspace lets its editors publish channels and run them from Slack.</p>\n",
    );
    body.push_str(&format!(
        "<p><a id=\"add-to-slack\" href=\"{}\">Add to Slack</a></p>\n",
        esc(authorize)
    ));
    body.push_str(
        "<h2>What the app may do, and why</h2>\n<table>\n<thead><tr><th>scope</th>\
         <th>needed to</th></tr></thead>\n<tbody>\n",
    );
    for scope in BOT_SCOPES {
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
            esc(scope.name),
            esc(scope.why)
        ));
    }
    body.push_str(
        "</tbody>\n</table>\n<p>It reads only the channels it is invited to, and nothing it \
         reads is published until an editor publishes that channel.</p>\n",
    );
    page(StatusCode::OK, csp, "Add scrollback to Slack", &body)
}

/// The app is installed in `team`.
pub(super) fn installed(csp: Option<&str>, team: &str) -> Response {
    let body = format!(
        "<p>scrollback is now installed in <strong>{}</strong>.</p>\n\
         <h2>What next</h2>\n<ol>\n\
         <li>In each channel to publish, invite the app: <code>/invite @scrollback</code> (or \
         the name the app has in your workspace).</li>\n\
         <li>Make the channel a chat: in the project, <code>scrollback channel add CHANNEL_ID \
         --slug SLUG --headline \"…\"</code> (the channel's id is in its details in \
         Slack).</li>\n\
         <li>Check it from Slack: <code>/scrollback status</code> in the channel.</li>\n</ol>\n",
        esc(team)
    );
    page(StatusCode::OK, csp, "Installed", &body)
}

/// The install did not happen: `why` (text) and what to do.
pub(super) fn not_installed(status: StatusCode, csp: Option<&str>, why: &str) -> Response {
    let body = format!(
        "<p>{}</p>\n<p><a href=\"/slack/install\">Start again</a> from the install page.</p>\n",
        esc(why)
    );
    page(status, csp, "Not installed", &body)
}
