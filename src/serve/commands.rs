//! `/scrollback` in Slack (issue 14, requirements 1 and 4): `status`, `live`, `archive`,
//! `publish`, `unpublish`, `headline TEXT` and `help`, acting on the chat of the channel the
//! command is typed in, from the slash command (`POST /slack/commands`, or Socket Mode, both
//! through [`handle_command`]) and from a mention (`@scrollback status`, [`answer_if_mention`]).
//!
//! Anyone in the channel may ask for `status` and `help`; only editors
//! ([`EditorialPolicy::is_editor`](crate::events::EditorialPolicy::is_editor)) change a chat.
//! What a change comes to, and the guard that keeps a private conversation off the site unless
//! someone says `private`, is [`crate::lifecycle`]'s, shared with the command line. Answers are
//! ephemeral. Slack wants an answer within 3 s, so a change (a write to `content/`, then the
//! announcement to the channel) is acknowledged at once and its outcome sent to the command's
//! `response_url`, which is only ever Slack's (`https://hooks.slack.com/…`) or, for tests, this
//! machine, and never gets a token.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::http::App;
use crate::build::outputs::feed_files::FeedFile;
use crate::content::{ChannelSettings, ChatState, Slug};
use crate::deploy::continuous::ContinuousStatus;
use crate::events::Event;
use crate::lifecycle::{self, Announce, Plan, Request};
use crate::slack::announce::{self, Announcement};

/// What `serve --deploy` has published, for `status`.
#[derive(Debug, Clone)]
pub struct Deploys {
    /// Where to (`s3://bucket/prefix/`, `netlify`).
    pub target: String,
    pub status: watch::Receiver<ContinuousStatus>,
}

/// A command's form fields as a JSON object of strings (Socket Mode delivers them so).
pub fn form_fields(body: &[u8]) -> Map<String, Value> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// Answers a slash command: the immediate response body (`{"response_type":"ephemeral",…}`).
/// A change is acknowledged here and finished in the background, its outcome posted to the
/// command's `response_url` (or, without a usable one, finished before answering).
pub async fn handle_command(app: &Arc<App>, fields: &Map<String, Value>) -> Value {
    let field = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let team = Some(field("team_id")).filter(|t| !t.is_empty());
    let asked = Asked {
        channel: field("channel_id"),
        user: field("user_id"),
        text: field("text"),
        team,
    };
    if asked.channel.is_empty() || asked.user.is_empty() {
        tracing::warn!("refused a slash command without channel_id or user_id");
        return ephemeral("This command came without a channel or a user: nothing was done.");
    }
    let response_url = usable_response_url(&field("response_url"));
    match decide(app, asked).await {
        Step::Done(text) => ephemeral(&text),
        Step::Slow { ack, job } => match response_url {
            Some(url) => {
                let app = app.clone();
                tokio::spawn(async move {
                    let text = finish(&app, job).await;
                    respond(&url, &text).await;
                });
                ephemeral(&ack)
            }
            None => ephemeral(&finish(app, job).await),
        },
    }
}

/// After a mention is first recorded in the journal (never for a retry or a replay): answers it
/// with the same commands, as a message only its author sees (`chat.postEphemeral`), in its
/// thread if it was written in one. Returns at once.
pub fn answer_if_mention(app: &Arc<App>, team: Option<&str>, event: &Event) {
    let Event::Mention {
        channel,
        user,
        text,
        thread_ts,
        ..
    } = event
    else {
        return;
    };
    let Some(client) = app.slack_for(team) else {
        tracing::info!(
            "a mention of the app in {channel} is not answered: answering needs SLACK_BOT_TOKEN \
             or the workspace's installation"
        );
        return;
    };
    let app = app.clone();
    let asked = Asked {
        channel: channel.clone(),
        user: user.clone(),
        text: without_mentions(text),
        team: team.map(str::to_owned),
    };
    let thread = thread_ts.as_ref().map(|t| t.as_str().to_owned());
    tokio::spawn(async move {
        let (channel, user) = (asked.channel.clone(), asked.user.clone());
        let text = match decide(&app, asked).await {
            Step::Done(text) => text,
            Step::Slow { job, .. } => finish(&app, job).await,
        };
        let mut params = vec![("channel", channel.clone()), ("user", user), ("text", text)];
        if let Some(thread) = thread {
            params.push(("thread_ts", thread));
        }
        if let Err(e) = client.call("chat.postEphemeral", &params).await {
            tracing::warn!("cannot answer a mention in {channel}: {e}");
        }
    });
}

/// Who asked what, where.
#[derive(Debug, Clone)]
struct Asked {
    channel: String,
    user: String,
    /// What follows `/scrollback` (or the mention).
    text: String,
    /// The workspace (`team_id`), whose token answers.
    team: Option<String>,
}

/// A command as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Help,
    Status,
    /// `live`, `archive`, `publish`, `unpublish`; `private` is the yes for a private
    /// conversation going public.
    Change {
        word: &'static str,
        request: Request,
        private: bool,
    },
    Headline(String),
    Unknown(String),
}

fn parse(text: &str) -> Command {
    let text = text.trim();
    let (first, rest) = text
        .split_once(char::is_whitespace)
        .map_or((text, ""), |(a, b)| (a, b.trim()));
    let words: Vec<String> = rest.split_whitespace().map(str::to_lowercase).collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    let private = has("private");
    let change = |word, request| Command::Change {
        word,
        request,
        private,
    };
    match first.to_lowercase().as_str() {
        "" | "help" | "?" => Command::Help,
        "status" => Command::Status,
        "live" => change("live", Request::Live),
        "archive" => change("archive", Request::Archive),
        "publish" => change(
            "publish",
            Request::Publish {
                live: has("live"),
                archived: has("archived") || has("archive"),
            },
        ),
        "unpublish" => change("unpublish", Request::Unpublish),
        "headline" => Command::Headline(crate::import::conversations::decode_entities(rest)),
        other => Command::Unknown(other.chars().take(40).collect()),
    }
}

/// What to answer: now, or an acknowledgement now and the outcome once `job` is done.
enum Step {
    Done(String),
    Slow { ack: String, job: Job },
}

/// A change to make.
enum Job {
    State {
        slug: Slug,
        settings: Box<ChannelSettings>,
        to: ChatState,
        going_public: bool,
        by: String,
        /// The workspace asking: its token tells the channel.
        team: Option<String>,
    },
    Headline {
        slug: Slug,
        headline: String,
        by: String,
    },
}

/// The longest headline taken from Slack.
const MAX_HEADLINE: usize = 200;

async fn decide(app: &Arc<App>, asked: Asked) -> Step {
    let app = app.clone();
    let decided = tokio::task::spawn_blocking(move || decide_now(&app, &asked)).await;
    decided.unwrap_or_else(|e| {
        tracing::error!("a slash command failed: {e}");
        Step::Done("Something went wrong on the server: nothing was changed.".to_owned())
    })
}

/// [`decide`] on a thread that may read files.
fn decide_now(app: &App, asked: &Asked) -> Step {
    let command = parse(&asked.text);
    let done = |text: String| Step::Done(text);
    match &command {
        Command::Help => return done(help()),
        Command::Unknown(word) => {
            return done(format!(
                "`{}` is not something I know.\n{}",
                escape(word),
                help()
            ));
        }
        _ => {}
    }
    let (slug, settings) = match lifecycle::chat_by_channel(&app.project, &asked.channel) {
        Ok(Some(chat)) => chat,
        Ok(None) => {
            return done(format!(
                "This channel is not a scrollback chat (yet). To make it one, run `scrollback \
                 channel add {} --slug SLUG --headline \"…\"` in the project.",
                asked.channel
            ));
        }
        Err(e) => {
            tracing::error!("/scrollback in {}: {e:#}", asked.channel);
            return done(
                "I cannot read the chats' settings right now: nothing was changed (the \
                 server's log says why)."
                    .to_owned(),
            );
        }
    };
    let editor = app.editorial.is_editor(&asked.user);
    let refusal = || {
        tracing::info!(
            "/scrollback {} by {} in `{slug}` refused: not an editor",
            asked.text,
            asked.user
        );
        done(format!(
            "Sorry, only the chat's editors can change it; `/scrollback status` works for \
             everyone. To become one, ask to have your member ID ({}) added to `editors` in \
             scrollback.toml, or to join one of its `editor_groups`.",
            asked.user
        ))
    };
    match command {
        Command::Status => done(status(app, &slug, &settings, editor)),
        Command::Change { .. } | Command::Headline(_) if !editor => refusal(),
        Command::Change {
            word,
            request,
            private,
        } => match lifecycle::plan(&slug, &settings, request, private) {
            Ok(Plan::Already(state)) => done(match request {
                Request::Publish { .. } => format!("`{slug}` is already published ({state})."),
                _ => format!("`{slug}` is already {state}: nothing to do."),
            }),
            Err(refused) => done(format!(
                "{} Nothing was changed. If they agreed to that, type `/scrollback {word} \
                 private`.",
                escape(&refused.to_string())
            )),
            Ok(Plan::Change { to, going_public }) => Step::Slow {
                ack: format!("Making `{slug}` {to}…"),
                job: Job::State {
                    slug,
                    settings: Box::new(settings),
                    to,
                    going_public,
                    by: asked.user.clone(),
                    team: asked.team.clone(),
                },
            },
        },
        Command::Headline(headline) => {
            let headline = headline.trim().to_owned();
            if headline.is_empty() {
                return done(
                    "Give the new headline after the word: `/scrollback headline Election \
                     night, live`."
                        .to_owned(),
                );
            }
            if headline.chars().count() > MAX_HEADLINE || headline.contains(['\n', '\r']) {
                return done(format!(
                    "A headline is one line of at most {MAX_HEADLINE} characters: nothing was \
                     changed."
                ));
            }
            Step::Slow {
                ack: format!("Changing the headline of `{slug}`…"),
                job: Job::Headline {
                    slug,
                    headline,
                    by: asked.user.clone(),
                },
            }
        }
        Command::Help | Command::Unknown(_) => unreachable!("answered above"),
    }
}

/// Makes the change; the answer says how it went (and whether the channel was told).
async fn finish(app: &Arc<App>, job: Job) -> String {
    match job {
        Job::Headline { slug, headline, by } => {
            let project = app.project.clone();
            let (s, h) = (slug.clone(), headline.clone());
            let saved =
                tokio::task::spawn_blocking(move || lifecycle::set_headline(&project, &s, &h))
                    .await;
            match saved {
                Ok(Ok(true)) => {
                    tracing::info!("/scrollback headline by {by}: `{slug}` is now {headline:?}");
                    format!(
                        "The headline of `{slug}` is now “{}”. The page follows within seconds.",
                        escape(&headline)
                    )
                }
                Ok(Ok(false)) => format!("That is already the headline of `{slug}`."),
                Ok(Err(e)) => failed(&slug, &e),
                Err(e) => failed(&slug, &anyhow::anyhow!("{e}")),
            }
        }
        Job::State {
            slug,
            settings,
            to,
            going_public,
            by,
            team,
        } => {
            let project = app.project.clone();
            let s = slug.clone();
            let saved =
                tokio::task::spawn_blocking(move || lifecycle::set_state(&project, &s, to)).await;
            match saved {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return failed(&slug, &e),
                Err(e) => return failed(&slug, &anyhow::anyhow!("{e}")),
            }
            tracing::info!("/scrollback by {by}: `{slug}` is now {to}");
            let mut text = format!("`{slug}` is now {to}");
            if going_public && let Some(kind) = lifecycle::private_kind(&settings) {
                text.push_str(&format!(" and public, although it is {kind}"));
            }
            text.push_str(match to {
                ChatState::Draft => ": it leaves the site within seconds.",
                _ => ": the page follows within seconds.",
            });
            if let Some(note) = announce_change(app, team.as_deref(), &slug, &settings, to).await {
                text.push_str(&format!("\n{note}"));
            }
            text
        }
    }
}

fn failed(slug: &Slug, e: &anyhow::Error) -> String {
    tracing::error!("/scrollback on `{slug}`: {e:#}");
    format!(
        "Nothing was changed: {}",
        escape(&format!("{e:#}")).replace('\n', " ")
    )
}

/// With `[slack] announce = true`, tells the chat's channel; a note when that did not happen.
async fn announce_change(
    app: &App,
    team: Option<&str>,
    slug: &Slug,
    settings: &ChannelSettings,
    to: ChatState,
) -> Option<String> {
    let what = Announcement::of_change(settings.state, to)?;
    let config = match app.project.load_config() {
        Ok(c) => c,
        Err(e) => return Some(format!("Nothing was posted to the channel: {e:#}")),
    };
    let client = app.slack_for(team);
    match lifecycle::announcement(&config, slug, settings, what, client.is_some()) {
        Announce::Off => None,
        Announce::Skipped(why) => Some(escape(&why)),
        Announce::Post { channel, text } => {
            match announce::post(client.as_ref()?, &channel, &text).await {
                Ok(()) => None,
                Err(e) => {
                    tracing::warn!("nothing was posted to the Slack channel of `{slug}`: {e}");
                    Some(format!(
                        "Nothing was posted to the channel: {}",
                        escape(&e.to_string())
                    ))
                }
            }
        }
    }
}

/// `status`: the state, the page's address, what the page shows and the last deploy.
fn status(app: &App, slug: &Slug, settings: &ChannelSettings, editor: bool) -> String {
    let config = app.project.load_config().ok();
    let headline = escape(&settings.headline);
    let mut lines = vec![match settings.state {
        ChatState::Draft => format!("*{headline}* (`{slug}`) is a draft: it is not on the site."),
        state => format!("*{headline}* (`{slug}`) is {state}."),
    }];
    if settings.state.is_published() {
        lines.push(
            match config.as_ref().and_then(|c| announce::chat_url(c, slug)) {
                Some(url) => format!("Page: {url}"),
                None => {
                    "Page: no public address (base_url is not set in scrollback.toml)".to_owned()
                }
            },
        );
        lines.push(match published_count(app, slug) {
            Some(n) => format!(
                "On the page: {}.",
                crate::human::count(n as usize, "message", "messages")
            ),
            None => "On the page: not built yet.".to_owned(),
        });
    }
    lines.push(deploys(app.deploys.as_ref()));
    if let Some(kind) = lifecycle::private_kind(settings) {
        lines.push(format!("This chat comes from {kind}."));
    }
    lines.push(if editor {
        "You are an editor: `/scrollback help` lists what you can do.".to_owned()
    } else {
        "Only editors can change it.".to_owned()
    });
    lines.join("\n")
}

/// `channel.message_count` of the chat's built feed head (small, and published whatever
/// `[feeds] whole_chat` says).
fn published_count(app: &App, slug: &Slug) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Feed {
        channel: FeedChannel,
    }
    #[derive(serde::Deserialize)]
    struct FeedChannel {
        message_count: u64,
    }
    let head = FeedFile::HeadJson.path(slug);
    let bytes = std::fs::read(app.site.join(head)).ok()?;
    serde_json::from_slice::<Feed>(&bytes)
        .ok()
        .map(|f| f.channel.message_count)
}

fn deploys(deploys: Option<&Deploys>) -> String {
    let Some(deploys) = deploys else {
        return "Deploys: not deployed by this serve (it runs without --deploy).".to_owned();
    };
    let s = deploys.status.borrow().clone();
    let target = &deploys.target;
    let mut line = match s.last_at {
        None => format!("Deploys: to {target}, none yet by this serve."),
        Some(at) => format!(
            "Deploys: {} to {target} by this serve, the last at {}.",
            s.deploys,
            utc(at)
        ),
    };
    if s.pending > 0 || s.in_flight {
        line.push_str(" More is on its way.");
    }
    if let Some(e) = &s.last_error {
        line.push_str(&format!(" The last attempt failed: {}", escape(e)));
    }
    line
}

fn utc(at: SystemTime) -> String {
    jiff::Timestamp::try_from(at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| "an unknown time".to_owned())
}

fn help() -> String {
    "`/scrollback` works on the chat of the channel it is typed in:\n\
     • `/scrollback status`: its state, page, messages and last deploy\n\
     • `/scrollback live`: publish it as a live page that follows new messages\n\
     • `/scrollback archive`: make it a finished article (no more live updates)\n\
     • `/scrollback publish`: publish a draft (archived if its Slack conversation is over, \
     else live)\n\
     • `/scrollback unpublish`: take it off the site (back to a draft)\n\
     • `/scrollback headline TEXT`: change its headline\n\
     Add `private` to publish a private channel or a DM: its members' names and messages \
     go on the public site. Only editors (`editors` and `editor_groups` in scrollback.toml) \
     can change a chat. Mentioning the app works too: `@scrollback status`."
        .to_owned()
}

fn ephemeral(text: &str) -> Value {
    json!({ "response_type": "ephemeral", "text": text })
}

/// Slack's three escapes for message text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A mention's text without the mentions (`<@U0APP> status` → `status`).
fn without_mentions(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !(w.starts_with("<@") && w.ends_with('>')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command's `response_url` if it is Slack's (`https://hooks.slack.com/…`) or on this
/// machine (tests); any other address is never sent anything.
fn usable_response_url(url: &str) -> Option<reqwest::Url> {
    let parsed = reqwest::Url::parse(url).ok()?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return None;
    }
    let slack = parsed.scheme() == "https" && parsed.host_str() == Some("hooks.slack.com");
    let local = matches!(parsed.scheme(), "http" | "https") && is_local(&parsed);
    if !(slack || local || url.is_empty()) {
        tracing::warn!("a slash command's response_url is not Slack's: it is not used");
    }
    (slack || local).then_some(parsed)
}

/// A loopback address, or `localhost`.
fn is_local(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Posts the outcome to `response_url` (an ephemeral message; no token goes along).
async fn respond(url: &reqwest::Url, text: &str) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build();
    let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
    let sent = match client {
        Ok(client) => client.post(url.clone()).json(&body).send().await,
        Err(e) => {
            tracing::warn!("cannot answer a slash command: {e}");
            return;
        }
    };
    match sent {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => tracing::warn!(
            "Slack refused the answer to a slash command: HTTP {}",
            r.status()
        ),
        Err(e) => tracing::warn!("cannot answer a slash command: {}", e.without_url()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_as_typed() {
        assert_eq!(parse(""), Command::Help);
        assert_eq!(parse(" Status "), Command::Status);
        assert_eq!(
            parse("publish private archived"),
            Command::Change {
                word: "publish",
                request: Request::Publish {
                    live: false,
                    archived: true
                },
                private: true
            }
        );
        assert_eq!(
            parse("live"),
            Command::Change {
                word: "live",
                request: Request::Live,
                private: false
            }
        );
        assert_eq!(
            parse("headline Q&amp;A: &lt;live&gt;"),
            Command::Headline("Q&A: <live>".into())
        );
        assert_eq!(parse("delete all"), Command::Unknown("delete".into()));
        assert_eq!(without_mentions("<@U0APP> status"), "status");
    }

    #[test]
    fn answers_go_only_to_slack_or_this_machine() {
        let ok = |u: &str| usable_response_url(u).is_some();
        assert!(ok("https://hooks.slack.com/commands/T1/2/abc"));
        assert!(ok("http://127.0.0.1:9/commands/x"));
        assert!(ok("http://[::1]:9/x"));
        assert!(!ok("http://hooks.slack.com/commands/T1/2/abc"));
        assert!(!ok("https://hooks.slack.com.evil.example/x"));
        assert!(!ok("https://user:pw@hooks.slack.com/x"));
        assert!(!ok("https://example.com/x"));
        assert!(!ok(""));
    }

    #[test]
    fn the_last_deploy_as_this_serve_knows_it() {
        assert!(deploys(None).contains("not deployed by this serve"));
        let (tx, status) = watch::channel(ContinuousStatus::default());
        let d = Deploys {
            target: "netlify".into(),
            status,
        };
        assert_eq!(
            deploys(Some(&d)),
            "Deploys: to netlify, none yet by this serve."
        );
        tx.send_modify(|s| {
            s.deploys = 2;
            s.last_at = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        });
        assert_eq!(
            deploys(Some(&d)),
            "Deploys: 2 to netlify by this serve, the last at 2023-11-14 22:13:20 UTC."
        );
    }

    #[test]
    fn form_bodies_as_slack_sends_them() {
        let f = form_fields(b"command=%2Fscrollback&text=headline+Q%26A+night&user_id=U1");
        assert_eq!(f["command"], "/scrollback");
        assert_eq!(f["text"], "headline Q&A night");
    }
}
