//! `scrollback deploy netlify` through the real binary against a fake of Netlify's deploy API,
//! and the repository's own netlify.toml.

use crate::support::exports::official_export;
use crate::support::http::refused_address;
use crate::support::netlify::{self, SITE, TOKEN};
use crate::support::project::{NO_ENV, Project, repo};
use crate::support::summary::{count, dry_lines};

fn env(token: &str) -> Vec<(String, String)> {
    vec![("NETLIFY_AUTH_TOKEN".to_owned(), token.to_owned())]
}

fn deploy(p: &Project, api: &str, extra: &[&str]) -> String {
    let mut args = vec!["deploy", "netlify", "--site", SITE, "--api-url", api];
    args.extend_from_slice(extra);
    p.ok_env(&args, &env(TOKEN))
}

#[test]
fn uploads_only_required_files_retries_a_429_and_waits_for_ready() {
    let (api, fake) = netlify::start();
    let p = Project::init();
    p.import(&official_export()).build();
    let site = p.snapshot("site");
    let unique: std::collections::BTreeSet<&Vec<u8>> = site.values().collect();

    // Netlify already has one file (the style sheet, say, from another site).
    {
        use sha1::Digest as _;
        let css = &site["assets/style.css"];
        fake.lock()
            .unwrap()
            .store
            .insert(hex::encode(sha1::Sha1::digest(css)));
        fake.lock().unwrap().throttle_next_upload = true;
    }
    let out = deploy(&p, &api, &[]);
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.created.len(), 1);
        let d = &f.deploys[&f.created[0]];
        assert_eq!(d.files.len(), site.len(), "every file is offered");
        assert!(d.files.keys().all(|k| k.starts_with('/')));
        // Only the files Netlify lacked were uploaded, one per distinct content.
        assert_eq!(f.uploads.len(), unique.len() - 1, "{:?}", f.uploads);
        assert!(!f.uploads.iter().any(|(_, path)| path == "assets/style.css"));
        assert_eq!(f.throttled, 1, "the 429 was answered");
        assert_eq!(d.state, "ready", "the command waited for ready");
        assert!(d.polls_after_upload >= 2);
        assert!(out.contains(&format!("(deploy {})", f.created[0])), "{out}");
    }
    assert_eq!(count(&out, "uploaded"), unique.len() - 1, "{out}");
    assert!(out.contains("netlify site site-123"), "{out}");

    // Nothing changed: a new deploy, nothing uploaded.
    let again = deploy(&p, &api, &[]);
    assert_eq!(count(&again, "uploaded"), 0, "{again}");
    assert_eq!(fake.lock().unwrap().created.len(), 2);

    // One message changed: only the files that changed are uploaded, one per distinct content
    // (page 1 of an archived chat is also its index.html, byte for byte).
    let changed = p.correct_a_message("enrique", "Corrected.");
    let mut seen = std::collections::HashSet::new();
    let mut distinct = changed.clone();
    distinct.retain(|path| seen.insert(p.read(&format!("site/{path}"))));
    let dry = deploy(&p, &api, &["--dry-run"]);
    let mut planned = dry_lines(&dry, "upload");
    planned.sort();
    assert_eq!(planned, changed, "{dry}");
    let before_uploads = fake.lock().unwrap().uploads.len();
    let out = deploy(&p, &api, &[]);
    let f = fake.lock().unwrap();
    let mut sent: Vec<String> = f.uploads[before_uploads..]
        .iter()
        .map(|(_, path)| path.clone())
        .collect();
    sent.sort();
    assert_eq!(sent.len(), distinct.len(), "{out}");
    assert!(sent.iter().all(|s| changed.contains(s)), "{out}");
}

#[test]
fn bad_token_unknown_site_and_missing_token_are_clear() {
    let (api, _fake) = netlify::start();
    let p = Project::init();
    p.import(&official_export()).build();
    let err = p.fails_env(
        &["deploy", "netlify", "--site", SITE, "--api-url", &api],
        &env("wrong"),
    );
    assert!(err.contains("refused the token"), "{err}");
    assert!(err.contains("NETLIFY_AUTH_TOKEN"), "{err}");
    let err = p.fails_env(
        &["deploy", "netlify", "--site", "nope", "--api-url", &api],
        &env(TOKEN),
    );
    assert!(err.contains("no site nope"), "{err}");
    let err = p.fails_env(
        &["deploy", "netlify", "--site", SITE, "--api-url", &api],
        NO_ENV,
    );
    assert!(err.contains("NETLIFY_AUTH_TOKEN is not set"), "{err}");
    let err = p.fails_env(&["deploy", "netlify", "--api-url", &api], &env(TOKEN));
    assert!(err.contains("--site"), "{err}");
    // Nothing listens on this port, and no other test's server can take it meanwhile.
    let (_reserved, dead) = refused_address();
    let dead = format!("http://{dead}");
    let err = p.fails_env(
        &["deploy", "netlify", "--site", SITE, "--api-url", &dead],
        &env(TOKEN),
    );
    assert!(err.contains("cannot reach the Netlify API"), "{err}");
}

#[test]
fn large_sites_deploy_asynchronously() {
    let (api, fake) = netlify::start();
    let p = Project::init();
    for i in 0..120 {
        p.write(&format!("static/assets/f{i}.txt"), &format!("file {i}\n"));
    }
    p.import(&official_export()).build();
    let out = deploy(&p, &api, &[]);
    let f = fake.lock().unwrap();
    let d = &f.deploys[&f.created[0]];
    assert_eq!(d.state, "ready");
    assert_eq!(count(&out, "uploaded"), f.uploads.len(), "{out}");
    assert!(f.uploads.len() > 120);
}

#[test]
fn the_repositorys_netlify_toml_builds_and_publishes_site() {
    let text = std::fs::read_to_string(repo().join("netlify.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let build = doc["build"].as_table().unwrap();
    assert_eq!(
        build["command"].as_str(),
        Some("cargo run --release -- build")
    );
    assert_eq!(build["publish"].as_str(), Some("site"));
    // Its headers agree with what `scrollback deploy` sends to S3.
    let headers = doc["headers"].as_array().unwrap();
    use scrollback::build::outputs::feed_files::FeedFile;
    use scrollback::deploy::headers::{ASSET_CACHE, FEED_CACHE};
    let cache_of = |pattern: &str| {
        headers
            .iter()
            .find(|h| {
                h["for"].as_str() == Some(pattern) && h["values"].get("Cache-Control").is_some()
            })
            .map(|h| h["values"]["Cache-Control"].as_str().unwrap().to_owned())
    };
    // Every feed the build writes, JSON and JSONP alike (feed pages by one pattern each).
    for feed in FeedFile::ALL {
        let name = match feed {
            FeedFile::PageJson(_) => "feed-page-*.json".to_owned(),
            FeedFile::PageJsonp(_) => "feed-page-*.jsonp".to_owned(),
            FeedFile::GroupJson(_) => "feed-index-*.json".to_owned(),
            FeedFile::GroupJsonp(_) => "feed-index-*.jsonp".to_owned(),
            _ => feed.name(),
        };
        assert_eq!(
            cache_of(&format!("/*/{name}")).as_deref(),
            Some(FEED_CACHE),
            "{feed:?}"
        );
    }
    // Uploads and emoji are named by Slack: never cached for long.
    for folder in ["/files/*", "/emoji/*"] {
        assert_eq!(cache_of(folder).as_deref(), Some(ASSET_CACHE), "{folder}");
    }
    // Pages carry the policy `serve` sends; uploads are downloads (issue 11).
    let all = headers
        .iter()
        .find(|h| h["for"].as_str() == Some("/*"))
        .unwrap();
    assert_eq!(
        all["values"]["Content-Security-Policy"].as_str(),
        Some(scrollback::site_files::PAGE_CSP)
    );
    assert_eq!(
        all["values"]["X-Content-Type-Options"].as_str(),
        Some("nosniff")
    );
    let files = headers
        .iter()
        .find(|h| h["for"].as_str() == Some("/files/*"))
        .unwrap();
    assert_eq!(
        files["values"]["Content-Disposition"].as_str(),
        Some("attachment")
    );
}

/// A Netlify deploy replaces the whole site: an almost empty `site/` (a failed build, the wrong
/// folder) would wipe production. It is refused past `delete_guard` like an S3 deploy, and no
/// deploy is created; `--force-delete` goes ahead (issue 11, defect 7).
#[test]
fn a_nearly_empty_site_is_refused_before_it_replaces_production() {
    let (api, fake) = netlify::start();
    let p = Project::init();
    p.import(&official_export()).build();
    deploy(&p, &api, &[]);
    let live = fake.lock().unwrap().live.clone();
    assert!(live.len() > 5, "{live:?}");

    // Everything but the index is gone from site/.
    for entry in std::fs::read_dir(p.path("site")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else if path.file_name().unwrap() != "index.html" {
            std::fs::remove_file(&path).unwrap();
        }
    }
    let args = ["deploy", "netlify", "--site", SITE, "--api-url", &api];
    let err = p.fails_env(&args, &env(TOKEN));
    assert!(err.contains("--force-delete"), "{err}");
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.created.len(), 1, "no deploy was created");
        assert_eq!(f.live, live, "production is untouched");
    }

    let out = deploy(&p, &api, &["--force-delete"]);
    assert_eq!(count(&out, "deleted"), live.len() - 1, "{out}");
    assert_eq!(fake.lock().unwrap().live.len(), 1);
}
