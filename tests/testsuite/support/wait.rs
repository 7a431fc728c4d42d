//! Waiting for something a test expects to happen (a served page, a log line, a file in a
//! bucket): the condition is polled until it holds, never guessed with a sleep.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// How long a condition may take. Generous, since the machine running the tests may be loaded;
/// it only decides how long a failing test takes to say so.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What a condition reports: `true`, or `Some(value)`, once it holds.
pub trait Outcome {
    type Value;
    fn ready(self) -> Option<Self::Value>;
}

impl Outcome for bool {
    type Value = ();
    fn ready(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn ready(self) -> Option<T> {
        self
    }
}

/// Polls `check` until it holds and returns its value; panics with `what` after [`TIMEOUT`].
/// `what` is displayed only then, so it may describe the state at the time (a log, say).
pub fn wait_until<R: Outcome>(what: impl Display, mut check: impl FnMut() -> R) -> R::Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = check().ready() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {} s waiting for {what}",
            TIMEOUT.as_secs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
