//! Where log lines go: stderr, in batches written by a thread of their own.
//!
//! At `info` the server logs one line per request (`latchkey-server/src/request_log.rs`), and
//! both a `write(2)` per line and a wake-up of a writer thread per line cost more than the
//! line's formatting on a busy CPU (docs/architecture.md, "Performance budgets"). So a logger
//! appends its line to a buffer in memory, which takes a lock for a copy, and the writer
//! thread writes the buffer in one `write(2)`: [`LINGER`] after the first line of a batch, at
//! once when it reaches [`HIGH_WATER`], and at once after a warning or an error. The writer
//! never holds the lock while writing, so a slow stderr does not stop loggers; a buffer that
//! reaches [`LIMIT`] makes them wait for the writer instead of dropping lines (not lossy). The
//! [`Flushed`] guard writes what is left when the command ends, so no line is lost at a normal
//! exit; it waits at most [`FLUSH_LIMIT`] for that, so a stderr that nobody reads (a full pipe)
//! cannot keep the process from exiting.

use std::io::Write;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long the first line of a batch may wait for the others.
const LINGER: Duration = Duration::from_millis(20);
/// A batch this large is written without waiting for [`LINGER`].
const HIGH_WATER: usize = 64 * 1024;
/// Loggers wait while this much is waiting to be written (about 25,000 request lines).
const LIMIT: usize = 4 * 1024 * 1024;
/// How long the end of the command waits for the last lines to be written.
const FLUSH_LIMIT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Shared {
    state: Mutex<Batch>,
    /// Wakes the writer: the first line of a batch, a full or urgent batch, shutdown.
    to_writer: Condvar,
    /// Wakes loggers waiting for room below [`LIMIT`].
    room: Condvar,
}

#[derive(Default)]
struct Batch {
    lines: Vec<u8>,
    /// A warning or an error is waiting: write without lingering.
    urgent: bool,
    /// No writer thread (any more): loggers write themselves.
    closed: bool,
}

impl Batch {
    fn due(&self) -> bool {
        self.urgent || self.closed || self.lines.len() >= HIGH_WATER
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Batch> {
        // A panic while holding the lock leaves at worst a partial line: keep logging.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Nowhere to report a failing stderr: the bytes are dropped, as `eprintln!` would.
fn to_stderr(bytes: &[u8]) {
    let _ = std::io::stderr().lock().write_all(bytes);
}

/// The `MakeWriter` of `tracing_subscriber::fmt`: all clones share one batch.
#[derive(Clone)]
pub struct BatchedStderr {
    shared: Arc<Shared>,
}

/// Writes the remaining lines and stops the writer thread when dropped: hold it for as long
/// as anything may log.
pub struct Flushed {
    shared: Arc<Shared>,
    /// Disconnected when the writer thread has ended (its sender is dropped then, even when
    /// it panics); `None` without a thread.
    writer_ended: Option<Receiver<()>>,
}

/// The writer and its guard; starts the writer thread.
pub fn batched_stderr() -> (BatchedStderr, Flushed) {
    let shared = Arc::new(Shared::default());
    let for_thread = Arc::clone(&shared);
    let (ended, writer_ended) = channel::<()>();
    let started = std::thread::Builder::new()
        .name("latchkey-log".into())
        .spawn(move || {
            let _ended = ended;
            writer_thread(&for_thread)
        })
        .is_ok();
    if !started {
        // Without the thread, every logger writes its own line.
        shared.lock().closed = true;
    }
    let writer_ended = started.then_some(writer_ended);
    (BatchedStderr { shared: Arc::clone(&shared) }, Flushed { shared, writer_ended })
}

fn writer_thread(shared: &Shared) {
    let mut spare = Vec::with_capacity(HIGH_WATER);
    let mut batch = shared.lock();
    loop {
        batch = shared
            .to_writer
            .wait_while(batch, |b| b.lines.is_empty() && !b.closed)
            .unwrap_or_else(PoisonError::into_inner);
        batch = shared
            .to_writer
            .wait_timeout_while(batch, LINGER, |b| !b.due())
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if batch.closed {
            // The last batch, written under the lock: loggers from now on write themselves,
            // after it.
            to_stderr(&batch.lines);
            batch.lines.clear();
            return;
        }
        std::mem::swap(&mut batch.lines, &mut spare);
        batch.urgent = false;
        drop(batch);
        shared.room.notify_all();
        to_stderr(&spare);
        spare.clear();
        batch = shared.lock();
    }
}

impl Drop for Flushed {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.to_writer.notify_one();
        self.shared.room.notify_all();
        if let Some(writer_ended) = self.writer_ended.take() {
            // Nothing is ever sent: this returns when the thread ends or at the limit, after
            // which the process exits without it (its lines could not be written anyway).
            let _ = writer_ended.recv_timeout(FLUSH_LIMIT);
        }
    }
}

/// One event's output: `tracing_subscriber` formats a whole line, then writes it in one call.
pub struct LineWriter<'a> {
    shared: &'a Shared,
    urgent: bool,
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { shared: &self.shared, urgent: false }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        LineWriter { shared: &self.shared, urgent: *meta.level() <= Level::WARN }
    }
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let shared = self.shared;
        let mut batch = shared
            .room
            .wait_while(shared.lock(), |b| b.lines.len() >= LIMIT && !b.closed)
            .unwrap_or_else(PoisonError::into_inner);
        if batch.closed {
            to_stderr(bytes);
            return Ok(bytes.len());
        }
        let before = batch.lines.len();
        batch.lines.extend_from_slice(bytes);
        batch.urgent |= self.urgent;
        // Once per batch, and once more when it becomes due.
        let wake = before == 0 || self.urgent || (before < HIGH_WATER && batch.lines.len() >= HIGH_WATER);
        drop(batch);
        if wake {
            shared.to_writer.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
