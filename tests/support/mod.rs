//! Stand-ins for deploy targets on loopback: the moto S3 server (one per test binary, reset for
//! each test) and a small fake of Netlify's deploy API. Nothing here ever reaches a real cloud.
#![allow(dead_code)]

pub mod netlify;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The moto server of this test binary.
pub struct Moto {
    pub port: u16,
    child: Mutex<Child>,
    /// Empty AWS config and credentials files, so no test reads the machine's AWS setup.
    pub aws_home: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(mut c) = self.child.lock() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

static MOTO: OnceLock<Moto> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Exclusive use of the moto server for one test: started on first use, reset now. Tests that
/// use moto run one at a time, since a reset empties every bucket.
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
    let (status, body) = http(moto.port, "POST", "/moto-api/reset", b"");
    assert_eq!(status, 200, "moto reset failed: {body}");
    MotoLease {
        moto,
        _guard: guard,
    }
}

fn start_moto() -> Moto {
    let exe = moto_command();
    let port = free_port();
    // A small shell keeps moto alive only while this test process holds its stdin: when the
    // test binary exits (statics are never dropped), the pipe closes and moto is killed.
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid"#)
        .arg(&exe)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let started = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let (status, _) = http(port, "GET", "/moto-api/data.json", b"");
            if status == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "moto_server ({}) did not answer on port {port} within 90 s",
            exe.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let aws_home = tempfile::tempdir().unwrap();
    std::fs::write(aws_home.path().join("config"), "").unwrap();
    std::fs::write(aws_home.path().join("credentials"), "").unwrap();
    Moto {
        port,
        child: Mutex::new(child),
        aws_home,
    }
}

/// A plain HTTP/1.1 request on loopback; returns the status and body.
pub fn http(port: u16, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).is_err() || s.write_all(body).is_err() {
        return (0, String::new());
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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

/// Environment variables that could point the binary at a real cloud are removed.
const SCRUB: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "NETLIFY_AUTH_TOKEN",
];

/// Runs the real binary on a project with extra environment.
pub fn run_env(root: &Path, args: &[&str], env: &[(String, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scrollback"));
    cmd.arg("-C").arg(root).args(args);
    for k in SCRUB {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Like [`run_env`] for a command that must succeed; returns stdout.
pub fn ok_env(root: &Path, args: &[&str], env: &[(String, String)]) -> String {
    let out = run_env(root, args, env);
    assert!(
        out.status.success(),
        "scrollback {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Like [`run_env`] for a command that must fail; returns stderr.
pub fn fails_env(root: &Path, args: &[&str], env: &[(String, String)]) -> String {
    let out = run_env(root, args, env);
    assert!(
        !out.status.success(),
        "scrollback {args:?} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A tokio runtime for a test's own S3 or HTTP calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The number in a summary line before `word`: `count(out, "uploaded")` in "... 3 uploaded ...".
pub fn count(summary: &str, word: &str) -> usize {
    let words: Vec<&str> = summary.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].trim_end_matches([',', ';']) == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or_else(|| panic!("no number before {word:?} in {summary:?}"))
}

/// The lines of a dry run that start with `verb` (upload or delete), as paths.
pub fn dry_lines(out: &str, verb: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix(verb).and_then(|r| r.strip_prefix(' ')))
        .map(str::to_owned)
        .collect()
}
