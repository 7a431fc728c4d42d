//! The continuous deployer (`serve --deploy`) as a library, against the moto S3 server: bursts
//! coalesce, deploys keep their distance, failures are retried without blocking the caller.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use scrollback::config::deploy::DeployConfig;
use scrollback::deploy::DeployOptions;
use scrollback::deploy::continuous::{ContinuousDeployer, ContinuousOptions};
use scrollback::deploy::deployer::Deployer;
use scrollback::deploy::headers::CacheRules;
use scrollback::deploy::s3::{S3Deployer, S3Settings};

use crate::support::exports::official_export;
use crate::support::moto::{Moto, moto, runtime};
use crate::support::project::Project;

const BUCKET: &str = "live-chat";

async fn deployer(s3: &Moto) -> Deployer {
    let settings = S3Settings {
        endpoint: Some(s3.endpoint()),
        region: Some("us-east-1".to_owned()),
        path_style: Some(true),
        static_credentials: Some(("testing".to_owned(), "testing".to_owned())),
    };
    Deployer::S3(
        S3Deployer::connect(BUCKET, "", &settings, CacheRules::default())
            .await
            .unwrap(),
    )
}

fn spawn(d: Deployer, p: &Project, options: ContinuousOptions) -> ContinuousDeployer {
    ContinuousDeployer::spawn(
        d,
        p.path("site"),
        DeployOptions::from_config(&DeployConfig::default()),
        options,
    )
}

async fn keys(s3: &Moto) -> BTreeSet<String> {
    let out = s3
        .client()
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

fn built() -> Project {
    let p = Project::init();
    p.import(&official_export()).build();
    p
}

#[test]
fn a_burst_of_notifications_is_one_deploy_of_their_union() {
    let s3 = moto();
    let p = built();
    runtime().block_on(async {
        s3.client()
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
        let live = spawn(
            deployer(&s3).await,
            &p,
            ContinuousOptions {
                min_interval: Duration::from_millis(200),
                ..ContinuousOptions::default()
            },
        );
        live.notify(["index.html", "enrique/feed.json"]);
        live.notify(["enrique/feed.jsonp"]);
        live.notify(["enrique/index.html", "enrique/feed.json"]);
        let status = tokio::time::timeout(Duration::from_secs(60), live.flush())
            .await
            .expect("deployed in time");
        assert_eq!(status.deploys, 1, "{status:?}");
        let last = status.last.unwrap();
        // Feeds first (in either order: they go up together), the chat's page next, the index
        // last.
        assert_eq!(last.uploaded.len(), 4, "{last:?}");
        let mut feeds = last.uploaded[..2].to_vec();
        feeds.sort();
        assert_eq!(feeds, vec!["enrique/feed.json", "enrique/feed.jsonp"]);
        assert_eq!(last.uploaded[2..], ["enrique/index.html", "index.html"]);
        assert_eq!(keys(&s3).await.len(), 4);
        let head = s3
            .client()
            .head_object()
            .bucket(BUCKET)
            .key("enrique/feed.json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.cache_control(),
            Some("public, max-age=5, must-revalidate")
        );

        // A file the build removed is removed from the bucket.
        std::fs::remove_file(p.path("site/enrique/feed.jsonp")).unwrap();
        live.notify(["enrique/feed.jsonp"]);
        let status = tokio::time::timeout(Duration::from_secs(60), live.flush())
            .await
            .unwrap();
        assert_eq!(status.deploys, 2);
        assert_eq!(status.last.unwrap().deleted, vec!["enrique/feed.jsonp"]);
        assert!(!keys(&s3).await.contains("enrique/feed.jsonp"));
        let end = live.shutdown().await;
        assert_eq!(end.failures, 0);
    });
}

#[test]
fn deploys_keep_the_minimum_interval_and_notifications_meanwhile_are_coalesced() {
    let s3 = moto();
    let p = built();
    runtime().block_on(async {
        s3.client()
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
        let interval = Duration::from_millis(1500);
        let live = spawn(
            deployer(&s3).await,
            &p,
            ContinuousOptions {
                min_interval: interval,
                settle: Duration::from_millis(50),
                ..ContinuousOptions::default()
            },
        );
        live.notify(["index.html"]);
        let first = tokio::time::timeout(Duration::from_secs(60), live.flush())
            .await
            .unwrap();
        assert_eq!(first.deploys, 1);
        let t = Instant::now();
        // Three rebuilds in quick succession while the interval runs.
        for path in ["enrique/feed.json", "enrique/index.html", "index.html"] {
            live.notify([path]);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let second = tokio::time::timeout(Duration::from_secs(60), live.flush())
            .await
            .unwrap();
        assert!(t.elapsed() >= interval - Duration::from_millis(500));
        assert_eq!(second.deploys, 2, "one deploy for the three notifications");
        assert_eq!(second.last.unwrap().uploaded.len(), 3);
    });
}

#[test]
fn a_failed_deploy_is_retried_with_backoff_without_blocking_the_caller() {
    let s3 = moto();
    let p = built();
    runtime().block_on(async {
        // No bucket yet: the first attempts fail.
        let live = spawn(
            deployer(&s3).await,
            &p,
            ContinuousOptions {
                min_interval: Duration::from_millis(100),
                settle: Duration::from_millis(50),
                first_backoff: Duration::from_millis(300),
                max_backoff: Duration::from_secs(2),
                ..ContinuousOptions::default()
            },
        );
        let t = Instant::now();
        live.notify(["index.html"]);
        assert!(
            t.elapsed() < Duration::from_millis(50),
            "notify returns at once"
        );
        let mut status = live.status();
        tokio::time::timeout(
            Duration::from_secs(60),
            status.wait_for(|s| s.failures >= 1),
        )
        .await
        .unwrap()
        .unwrap();
        let error = status.borrow().last_error.clone().unwrap();
        assert!(error.contains("bucket live-chat does not exist"), "{error}");
        // Meanwhile more changes arrive; then the bucket appears.
        live.notify(["enrique/feed.json"]);
        s3.client()
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
        let done = tokio::time::timeout(Duration::from_secs(60), live.flush())
            .await
            .unwrap();
        assert_eq!(done.deploys, 1);
        assert!(done.failures >= 1);
        assert_eq!(done.last_error, None);
        assert_eq!(
            keys(&s3).await,
            BTreeSet::from(["index.html".to_owned(), "enrique/feed.json".to_owned()])
        );
    });
}
