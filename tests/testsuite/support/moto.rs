//! The moto S3 server on loopback, a stand-in for S3 that never reaches a real cloud: one for
//! the whole test suite, started on first use and reset for each test that leases it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::http::try_request;
use super::process::Process;
use super::wait::wait_until;

/// The suite's moto server.
pub struct Moto {
    /// `127.0.0.1:PORT`.
    addr: String,
    _process: Process,
    /// Empty AWS config and credentials files, so no test reads the machine's AWS setup.
    aws_home: tempfile::TempDir,
}

/// Where moto_server is: `SCROLLBACK_MOTO` (set by scripts/test), else the repository's .venv.
fn moto_command() -> PathBuf {
    let path = std::env::var_os("SCROLLBACK_MOTO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server"));
    assert!(
        path.is_file(),
        "moto_server not found at {}: the S3 deploy tests need it. Run scripts/test (it creates \
         .venv with `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'`), or set \
         SCROLLBACK_MOTO to a moto_server executable.",
        path.display()
    );
    path
}

static MOTO: OnceLock<Moto> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Exclusive use of the moto server for one test: started on first use, reset now. Tests that
/// use moto run one at a time (the others of the suite run alongside), since a reset empties
/// every bucket.
pub struct MotoLease {
    pub moto: &'static Moto,
    _guard: MutexGuard<'static, ()>,
}

impl std::ops::Deref for MotoLease {
    type Target = Moto;
    fn deref(&self) -> &Moto {
        self.moto
    }
}

pub fn moto() -> MotoLease {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let moto = MOTO.get_or_init(start_moto);
    let reset = try_request(&moto.addr, "POST", "/moto-api/reset", &[], b"")
        .unwrap_or_else(|e| panic!("moto reset failed: {e}"));
    assert_eq!(reset.status, 200, "moto reset failed: {}", reset.text());
    MotoLease {
        moto,
        _guard: guard,
    }
}

fn start_moto() -> Moto {
    let exe = moto_command();
    // Port 0: moto takes a free port and says which, so no other server of the suite can take
    // it first. A small shell keeps moto alive only while this test process holds its stdin:
    // when the test binary exits (statics are never dropped), the pipe closes and moto is
    // killed.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#""$0" -H 127.0.0.1 -p 0 2>&1 & pid=$!; cat >/dev/null; kill $pid"#)
        .arg(&exe);
    let process = Process::start(cmd);
    let line = process.wait_line(" * Running on http://127.0.0.1:");
    let (_, addr) = line.split_once("http://").unwrap();
    let addr = addr.trim().trim_end_matches('/').to_owned();
    wait_until(
        format!("moto_server ({}) to answer on {addr}", exe.display()),
        || {
            try_request(&addr, "GET", "/moto-api/data.json", &[], b"")
                .is_ok_and(|r| r.status == 200)
        },
    );
    let aws_home = tempfile::tempdir().unwrap();
    std::fs::write(aws_home.path().join("config"), "").unwrap();
    std::fs::write(aws_home.path().join("credentials"), "").unwrap();
    Moto {
        addr,
        _process: process,
        aws_home,
    }
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The environment every deploy test runs the binary with: dummy keys, a region, no
    /// instance metadata, empty AWS files.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.aws_home.path();
        [
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", home.join("config").display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                home.join("credentials").display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    pub fn make_bucket(&self, name: &str) {
        runtime()
            .block_on(self.client().create_bucket().bucket(name).send())
            .unwrap();
    }

    /// Puts an object directly, as another tool (or a half-finished deploy) would have.
    pub fn put(&self, bucket: &str, key: &str, body: &'static [u8]) {
        runtime()
            .block_on(
                self.client()
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(aws_sdk_s3::primitives::ByteStream::from_static(body))
                    .send(),
            )
            .unwrap();
    }

    /// Every object of `bucket` under `prefix` as key → (etag, size).
    pub fn objects(&self, bucket: &str, prefix: &str) -> BTreeMap<String, (String, i64)> {
        let rt = runtime();
        let client = self.client();
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            let mut req = client.list_objects_v2().bucket(bucket).prefix(prefix);
            if let Some(t) = token {
                req = req.continuation_token(t);
            }
            let page = rt.block_on(req.send()).unwrap();
            for o in page.contents() {
                out.insert(
                    o.key().unwrap().to_owned(),
                    (
                        o.e_tag().unwrap().trim_matches('"').to_owned(),
                        o.size().unwrap(),
                    ),
                );
            }
            match page.next_continuation_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        out
    }

    /// An S3 client of the test process itself, for making buckets and checking objects.
    pub fn client(&self) -> aws_sdk_s3::Client {
        let creds = aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "test");
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

/// A tokio runtime for a test's own S3 calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
