//! `scrollback deploy s3://…` through the real binary against the moto S3 server on loopback.

use crate::support::exports::official_export;
use crate::support::http::refused_address;
use crate::support::moto::{Moto, MotoLease, moto, runtime};
use crate::support::project::Project;
use crate::support::summary::{count, dry_lines};

const BUCKET: &str = "chats";

/// A built project with the official export, and the moto lease for the test.
fn built() -> (Project, MotoLease) {
    let s3 = moto();
    let p = Project::init();
    p.import(&official_export()).build();
    (p, s3)
}

fn deploy(p: &Project, s3: &Moto, target: &str, extra: &[&str]) -> String {
    let endpoint = s3.endpoint();
    let mut args = vec!["deploy", target, "--endpoint", &endpoint];
    args.extend_from_slice(extra);
    p.ok_env(&args, &s3.env())
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(bytes))
}

#[test]
fn first_deploy_uploads_everything_with_headers_and_a_second_uploads_nothing() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    let site = p.snapshot("site");
    let out = deploy(&p, &s3, "s3://chats/news", &[]);
    assert_eq!(count(&out, "uploaded"), site.len(), "{out}");
    assert!(out.contains("s3://chats/news/"), "{out}");

    let remote = s3.objects(BUCKET, "news/");
    assert_eq!(remote.len(), site.len());
    for (path, bytes) in &site {
        let (etag, size) = &remote[&format!("news/{path}")];
        assert_eq!(*etag, md5_hex(bytes), "{path}");
        assert_eq!(*size as usize, bytes.len(), "{path}");
    }

    let rt = runtime();
    let client = s3.client();
    let head = |key: &str| {
        rt.block_on(client.head_object().bucket(BUCKET).key(key).send())
            .unwrap()
    };
    let h = head("news/index.html");
    assert_eq!(h.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(h.cache_control(), Some("public, max-age=60"));
    let h = head("news/enrique/feed.json");
    assert_eq!(h.content_type(), Some("application/json; charset=utf-8"));
    assert_eq!(
        h.cache_control(),
        Some("public, max-age=5, must-revalidate")
    );
    let h = head("news/enrique/feed.jsonp");
    assert_eq!(
        h.content_type(),
        Some("application/javascript; charset=utf-8")
    );
    let h = head("news/assets/style.css");
    assert_eq!(h.content_type(), Some("text/css; charset=utf-8"));
    assert_eq!(h.cache_control(), Some("public, max-age=300"));

    let again = deploy(&p, &s3, "s3://chats/news", &[]);
    assert_eq!(count(&again, "uploaded"), 0, "{again}");
    assert_eq!(count(&again, "unchanged"), site.len(), "{again}");
}

#[test]
fn cache_rules_from_config_and_fingerprinted_assets() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    p.write("static/assets/app.3f9a1c0b7e.js", "console.log(1)\n");
    let config = p.read("scrollback.toml");
    p.write(
        "scrollback.toml",
        &config.replace(
            "[extra]",
            "[deploy]\ntarget = \"s3://chats\"\n\n[[deploy.cache_control]]\npath = \"*/page-*.html\"\nvalue = \"public, max-age=3600\"\n\n[[deploy.cache_control]]\npath = \"enrique/**\"\nvalue = \"no-store\"\n\n[extra]",
        ),
    );
    p.build();
    // The target comes from [deploy].
    let endpoint = s3.endpoint();
    p.ok_env(&["deploy", "--endpoint", &endpoint], &s3.env());
    let rt = runtime();
    let client = s3.client();
    let cache = |key: &str| {
        rt.block_on(client.head_object().bucket(BUCKET).key(key).send())
            .unwrap()
            .cache_control()
            .map(str::to_owned)
    };
    assert_eq!(
        cache("assets/app.3f9a1c0b7e.js").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(cache("enrique/feed.json").as_deref(), Some("no-store"));
    assert_eq!(
        cache("traveling-sailor/feed.json").as_deref(),
        Some("public, max-age=5, must-revalidate")
    );
}

/// Every cache rule follows from what the build knows (issue 12, item 9): both live feeds get the
/// feeds' lifetime, a re-hosted upload is never immutable however hashed its name looks, and the
/// fingerprinted style sheet the pages link is.
#[test]
fn feeds_uploads_and_fingerprinted_assets_get_their_lifetimes() {
    use scrollback::deploy::headers::{ASSET_CACHE, FEED_CACHE, FINGERPRINTED_CACHE, HTML_CACHE};
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    let settings = p.read("content/channels/enrique/channel.toml");
    p.write(
        "content/channels/enrique/channel.toml",
        &settings.replace("state = \"archived\"", "state = \"live\""),
    );
    // A Slack file id, and a name that looks hashed: neither says anything about the bytes.
    let upload = "files/F0ABCDEF12/chart-3f9a1c0b7e.png";
    p.write(&format!("content/{upload}"), "not really a png");
    p.build();
    assert!(p.exists("site/enrique/live.jsonp") && p.exists(&format!("site/{upload}")));
    deploy(&p, &s3, "s3://chats", &[]);

    let rt = runtime();
    let client = s3.client();
    let cache = |key: &str| {
        rt.block_on(client.head_object().bucket(BUCKET).key(key).send())
            .unwrap_or_else(|e| panic!("{key}: {e:?}"))
            .cache_control()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(cache("enrique/live.json"), FEED_CACHE);
    assert_eq!(cache("enrique/live.jsonp"), cache("enrique/live.json"));
    assert_eq!(cache("enrique/feed.jsonp"), FEED_CACHE);
    assert_eq!(cache(upload), ASSET_CACHE);

    let sheet = p.fingerprinted("assets/style.css");
    let index = p.page("site/index.html");
    assert_eq!(
        index.attrs("link[rel=stylesheet]", "href"),
        std::slice::from_ref(&sheet)
    );
    assert_eq!(cache(&sheet), FINGERPRINTED_CACHE);
    let script = p.fingerprinted("assets/live.js");
    assert_eq!(
        p.page("site/enrique/index.html").attrs("script", "src"),
        [format!("../{script}")]
    );
    assert_eq!(cache(&script), FINGERPRINTED_CACHE);
    // The plain copies may change under their names.
    assert_eq!(cache("assets/style.css"), ASSET_CACHE);
    assert_eq!(cache("index.html"), HTML_CACHE);
}

#[test]
fn changing_one_message_uploads_only_that_chats_changed_files() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    deploy(&p, &s3, "s3://chats", &[]);

    // Edit one message of one chat in the content tree and rebuild with the real binary.
    let changed = p.correct_a_message("enrique", "An edited message, corrected by the desk");
    assert!(!changed.is_empty());

    let endpoint = s3.endpoint();
    let dry = p.ok_env(
        &["deploy", "s3://chats", "--endpoint", &endpoint, "--dry-run"],
        &s3.env(),
    );
    let planned = dry_lines(&dry, "upload");
    let mut planned_sorted = planned.clone();
    planned_sorted.sort();
    assert_eq!(planned_sorted, changed, "{dry}");
    assert!(
        planned.iter().all(|p| p.starts_with("enrique/")
            || p.starts_with("search/enrique/")
            || p == "index.html"),
        "{planned:?}"
    );
    // Feeds before pages, the chat's first page after its further pages, the index last.
    let rank = |path: &str| scrollback::deploy::upload::publish_rank(path);
    assert!(
        planned.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{planned:?}"
    );

    let out = deploy(&p, &s3, "s3://chats", &[]);
    assert_eq!(count(&out, "uploaded"), changed.len(), "{out}");
    let remote = s3.objects(BUCKET, "");
    let after = p.snapshot("site");
    for path in &changed {
        assert_eq!(remote[path].0, md5_hex(&after[path]), "{path}");
    }
}

#[test]
fn dry_run_changes_nothing() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    let out = deploy(&p, &s3, "s3://chats/x", &["--dry-run"]);
    assert!(out.starts_with("upload "), "{out}");
    assert!(out.contains("Dry run for s3://chats/x/"), "{out}");
    assert_eq!(
        dry_lines(&out, "upload").len(),
        p.snapshot("site").len(),
        "{out}"
    );
    assert!(s3.objects(BUCKET, "").is_empty());
}

#[test]
fn delete_removes_what_site_no_longer_has_and_the_guard_stops_mass_deletion() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    deploy(&p, &s3, "s3://chats", &[]);
    let total = p.snapshot("site").len();

    // A chat taken off by hand (state = "draft"): it leaves the bucket even without --delete.
    let settings = p.read("content/channels/enrique/channel.toml");
    p.write(
        "content/channels/enrique/channel.toml",
        &settings.replace("state = \"archived\"", "state = \"draft\""),
    );
    p.build();
    assert!(!p.exists("site/enrique/feed.json"));
    let gone = total - p.snapshot("site").len();
    assert!(gone > 0);
    let out = deploy(&p, &s3, "s3://chats", &[]);
    assert_eq!(count(&out, "deleted"), gone, "{out}");
    assert!(!s3.objects(BUCKET, "").contains_key("enrique/feed.json"));

    // A file that is no chat's stays without --delete; --delete removes it.
    s3.put(BUCKET, "stray.html", b"old");
    let out = deploy(&p, &s3, "s3://chats", &[]);
    assert!(out.contains("--delete removes them"), "{out}");
    assert!(s3.objects(BUCKET, "").contains_key("stray.html"));
    let out = deploy(&p, &s3, "s3://chats", &["--delete"]);
    assert_eq!(count(&out, "deleted"), 1, "{out}");
    assert!(!s3.objects(BUCKET, "").contains_key("stray.html"));

    // Other things in the bucket under the same prefix: --delete would remove most of it.
    let foreign = 2 * p.snapshot("site").len() + 10;
    for i in 0..foreign {
        s3.put(BUCKET, &format!("other-app/file-{i}.txt"), b"keep me");
    }
    let endpoint = s3.endpoint();
    let err = p.fails_env(
        &["deploy", "s3://chats", "--endpoint", &endpoint, "--delete"],
        &s3.env(),
    );
    assert!(err.contains("--force-delete"), "{err}");
    assert!(err.contains(&format!("{foreign} of the")), "{err}");
    assert!(err.contains("s3://chats/"), "{err}");
    assert_eq!(
        s3.objects(BUCKET, "other-app/").len(),
        foreign,
        "the guard must stop before deleting anything"
    );
    let out = deploy(&p, &s3, "s3://chats", &["--delete", "--force-delete"]);
    assert_eq!(count(&out, "deleted"), foreign, "{out}");
    assert!(s3.objects(BUCKET, "other-app/").is_empty());
}

#[test]
fn an_interrupted_deploy_is_finished_by_running_it_again() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    deploy(&p, &s3, "s3://chats", &[]);
    // As if the last run had stopped halfway: some objects missing, one stale.
    let rt = runtime();
    let client = s3.client();
    for key in ["index.html", "enrique/index.html", "assets/style.css"] {
        rt.block_on(client.delete_object().bucket(BUCKET).key(key).send())
            .unwrap();
    }
    s3.put(BUCKET, "enrique/feed.json", b"old");
    let out = deploy(&p, &s3, "s3://chats", &[]);
    assert_eq!(count(&out, "uploaded"), 4, "{out}");
    assert_eq!(s3.objects(BUCKET, "").len(), p.snapshot("site").len());
}

#[test]
fn missing_bucket_bad_endpoint_and_no_site_give_clear_errors() {
    let (p, s3) = built();
    let endpoint = s3.endpoint();
    let err = p.fails_env(
        &["deploy", "s3://no-such-bucket/x", "--endpoint", &endpoint],
        &s3.env(),
    );
    assert!(
        err.contains("bucket no-such-bucket does not exist"),
        "{err}"
    );
    assert!(err.contains(&endpoint), "{err}");
    assert!(err.contains("S3 answered 404 NoSuchBucket"), "{err}");
    assert_no_sdk_dump(&err);

    // Nothing listens on this port, and no other test's server can take it meanwhile.
    let (_reserved, dead) = refused_address();
    let dead = format!("http://{dead}");
    let err = p.fails_env(&["deploy", "s3://chats", "--endpoint", &dead], &s3.env());
    assert!(err.contains("cannot reach the S3 endpoint"), "{err}");
    assert!(err.contains(&dead), "{err}");
    assert!(err.contains("Connection refused"), "{err}");
    assert_no_sdk_dump(&err);

    let err = p.fails_env(&["deploy", "ftp://x"], &s3.env());
    assert!(err.contains("s3://BUCKET/PATH or netlify"), "{err}");
    let err = p.fails_env(&["deploy"], &s3.env());
    assert!(err.contains("no deploy target"), "{err}");

    let empty = Project::init();
    let err = empty.fails_env(
        &["deploy", "s3://chats", "--endpoint", &endpoint],
        &s3.env(),
    );
    assert!(err.contains("scrollback build"), "{err}");
}

/// Without credentials the SDK falls back to the instance metadata service; outside EC2 that
/// fails, and the user must read one sentence saying what to set, not the SDK's warnings with
/// debug dumps of each attempt (issue 12).
#[test]
fn no_credentials_is_one_sentence_without_sdk_warnings() {
    let (p, s3) = built();
    let endpoint = s3.endpoint();
    let (_reserved, imds) = refused_address();
    let env: Vec<(String, String)> = s3
        .env()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"))
        .filter(|(k, _)| k != "AWS_REGION" && k != "AWS_EC2_METADATA_DISABLED")
        .chain([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
            format!("http://{imds}"),
        )])
        .collect();
    let err = p.fails_env(&["deploy", "s3://chats", "--endpoint", &endpoint], &env);
    assert!(err.contains("no AWS credentials were found"), "{err}");
    assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
    assert!(!err.contains("WARN"), "{err}");
    assert_no_sdk_dump(&err);
}

/// The SDK's `Debug` output (what `DisplayErrorContext` appends) is no message for a person.
fn assert_no_sdk_dump(err: &str) {
    for dump in [
        "ServiceError(",
        "SdkBody",
        "Extensions",
        "ErrorMetadata",
        "DispatchFailure(",
    ] {
        assert!(!err.contains(dump), "{dump} in:\n{err}");
    }
}

/// An unpublished chat leaves the bucket on the next deploy, `--delete` or not: a chat published
/// by mistake must not stay online (issue 12). Files that are not a chat's stay without
/// `--delete`.
#[test]
fn an_unpublished_chat_leaves_the_bucket_on_the_next_deploy() {
    let (p, s3) = built();
    s3.make_bucket(BUCKET);
    deploy(&p, &s3, "s3://chats", &[]);
    // The chat's folder and its part of the search index.
    let chat_files = s3.objects(BUCKET, "enrique/").len();
    assert!(chat_files >= 3);
    let search_files = s3.objects(BUCKET, "search/enrique/").len();
    assert!(search_files >= 2);
    s3.put(BUCKET, "notes.txt", b"kept");

    let out = p.ok(&["unpublish", "enrique"]);
    assert!(out.contains("now a draft"), "{out}");
    assert!(
        p.read("content/channels/enrique/channel.toml")
            .contains("state = \"draft\"")
    );
    p.build();
    assert!(!p.exists("site/enrique"));
    let out = deploy(&p, &s3, "s3://chats", &[]);
    assert_eq!(count(&out, "deleted"), chat_files + search_files, "{out}");
    assert!(s3.objects(BUCKET, "enrique/").is_empty());
    assert!(s3.objects(BUCKET, "search/enrique/").is_empty());
    assert!(s3.objects(BUCKET, "search/index.json").len() == 1);
    assert_eq!(
        s3.objects(BUCKET, "notes.txt").len(),
        1,
        "not a chat's: kept"
    );
    assert!(!s3.objects(BUCKET, "index.html").is_empty());
}
