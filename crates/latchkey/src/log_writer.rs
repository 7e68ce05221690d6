//! Where log lines go: stderr, in batches.
//!
//! At the default level the server logs one line per request (crates/latchkey-server's
//! `request_log.rs`). Written one `write(2)` each, those lines cost more than the formatting
//! (docs/architecture.md, "Performance budgets": logging at `info` within 10 % of `warn`). So
//! lines are appended to a buffer in memory and a writer thread sends it out in one write:
//! [`LINGER`] after the first line of a batch, at once when the buffer is large, and at once
//! for a warning or an error, which also carries everything logged before it. The
//! [`Flushed`] guard writes what is left when the process ends, so no line is lost at a
//! normal exit (a `kill -9` can lose the last [`LINGER`]).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long the first line of a batch may wait for the others.
const LINGER: Duration = Duration::from_millis(50);
/// A buffer this large is written at once, without waiting.
const HIGH_WATER: usize = 64 * 1024;

#[derive(Default)]
struct Shared {
    state: Mutex<Buffer>,
    /// Signalled when the buffer receives its first line, and at shutdown.
    wake: Condvar,
}

#[derive(Default)]
struct Buffer {
    lines: Vec<u8>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A panic while holding the lock leaves at worst a partial line: keep logging.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes out everything buffered. Holding the lock while writing keeps the lines in order.
    fn write_out(buffer: &mut Buffer) {
        if !buffer.lines.is_empty() {
            // Nowhere to report a failing stderr: the lines are dropped, as `eprintln!` would.
            let _ = std::io::stderr().lock().write_all(&buffer.lines);
            buffer.lines.clear();
        }
    }
}

/// The `MakeWriter` for `tracing_subscriber::fmt`: cheap to clone, all clones share one buffer.
#[derive(Clone)]
pub struct BatchedStderr {
    shared: Arc<Shared>,
}

/// Writes the remaining lines and stops the writer thread when dropped: keep it alive for as
/// long as anything may log.
pub struct Flushed {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The writer and its guard; starts the writer thread.
pub fn batched_stderr() -> (BatchedStderr, Flushed) {
    let shared = Arc::new(Shared::default());
    let for_thread = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("latchkey-log".into())
        .spawn(move || writer_thread(&for_thread))
        .ok();
    if thread.is_none() {
        // Without the thread, every line is written at once (a closed buffer is not kept).
        shared.lock().closed = true;
    }
    (BatchedStderr { shared: Arc::clone(&shared) }, Flushed { shared, thread })
}

fn writer_thread(shared: &Shared) {
    let mut buffer = shared.lock();
    loop {
        while buffer.lines.is_empty() && !buffer.closed {
            buffer = shared.wake.wait(buffer).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if buffer.closed {
            Shared::write_out(&mut buffer);
            return;
        }
        // Let the batch fill, then write it.
        drop(buffer);
        std::thread::sleep(LINGER);
        buffer = shared.lock();
        Shared::write_out(&mut buffer);
    }
}

impl Drop for Flushed {
    fn drop(&mut self) {
        let mut buffer = self.shared.lock();
        buffer.closed = true;
        Shared::write_out(&mut buffer);
        drop(buffer);
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One event's output: `tracing_subscriber` formats a whole line and writes it in one call.
pub struct LineWriter<'a> {
    shared: &'a Shared,
    /// A warning or an error is written at once, with the lines before it.
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
        let mut buffer = self.shared.lock();
        let was_empty = buffer.lines.is_empty();
        buffer.lines.extend_from_slice(bytes);
        if self.urgent || buffer.closed || buffer.lines.len() >= HIGH_WATER {
            Shared::write_out(&mut buffer);
        } else if was_empty {
            drop(buffer);
            self.shared.wake.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
