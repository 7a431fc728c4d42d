//! `serve --deploy`: every build that events cause is also published to S3 (the moto server on
//! loopback), through the continuous deployer.

use crate::support::moto::{moto, runtime};
use crate::support::project::Project;
use crate::support::server::Server;
use crate::support::slack::message;
use crate::support::wait::wait_until;

const CH: &str = "C1LIVE";

#[test]
fn serve_deploy_publishes_each_change_to_s3() {
    let s3 = moto();
    runtime()
        .block_on(s3.client().create_bucket().bucket("chats").send())
        .unwrap();
    let p = Project::init();
    p.add_live_chat(CH, "live", "Live test");
    let config = p.read("scrollback.toml");
    p.write(
        "scrollback.toml",
        &format!(
            "{config}\n[deploy]\nendpoint = \"{}\"\nlive_min_interval = 0\n",
            s3.endpoint()
        ),
    );
    p.build();
    let env = s3.env();
    p.ok_env(&["deploy", "s3://chats/site"], &env);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let s = Server::start_with(&p, &["--deploy", "s3://chats/site"], &env);
    assert_eq!(
        s.post(&message(
            "Ev1",
            CH,
            "1700000001.000100",
            "U1",
            "deployed live"
        )),
        200
    );
    let client = s3.client();
    let rt = runtime();
    wait_until("the message in the bucket's feed.json", || {
        rt.block_on(async {
            let object = client
                .get_object()
                .bucket("chats")
                .key("site/live/feed.json")
                .send()
                .await
                .ok()?;
            let bytes = object.body.collect().await.ok()?.into_bytes();
            Some(String::from_utf8_lossy(&bytes).contains("deployed live"))
        })
        .unwrap_or(false)
    });
    assert!(
        s.log()
            .contains("publishing every build to s3://chats/site"),
        "{}",
        s.log()
    );

    // Unpublished while serve runs: the chat leaves the bucket too (issue 12).
    p.ok(&["unpublish", "live"]);
    wait_until("the unpublished chat gone from the bucket", || {
        s3.objects("chats", "site/live/").is_empty()
    });
    assert!(!s3.objects("chats", "site/index.html").is_empty());
    // How the deploys ended, in a sentence (issue 12: it was a debug struct).
    let log = s.stop();
    let last = log
        .lines()
        .find(|l| l.contains("continuous deploys to s3://chats/site/ stopped after"))
        .unwrap_or_else(|| panic!("no closing line in:\n{log}"));
    assert!(last.contains(" deploys"), "{last}");
    assert!(!last.contains('{') && !last.contains("Status"), "{last}");
}

/// A wrong bucket fails `serve --deploy` at start, not at the first event (issue 12).
#[test]
fn a_deploy_target_that_does_not_answer_stops_serve_at_start() {
    let s3 = moto();
    let p = Project::init();
    p.add_live_chat(CH, "live", "Live test");
    let config = p.read("scrollback.toml");
    p.write(
        "scrollback.toml",
        &format!("{config}\n[deploy]\nendpoint = \"{}\"\n", s3.endpoint()),
    );
    let mut env = s3.env();
    env.push(("SLACK_SIGNING_SECRET".to_owned(), "secret".to_owned()));
    let err = p.fails_env(
        &[
            "serve",
            "--port",
            "0",
            "--deploy",
            "s3://no-such-bucket/site",
        ],
        &env,
    );
    assert!(
        err.contains("no-such-bucket") && err.contains("not starting"),
        "{err}"
    );
}
