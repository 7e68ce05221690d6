//! Counters an operator watches, served in the Prometheus text format at `GET /metrics`.
//! A handful of atomics: no registry crate is needed for this few series.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use latchkey_core::refresh::ReuseCause;

/// Process-wide counters of one server (owned by its state, not global).
#[derive(Default)]
pub struct Metrics {
    reuse_replay_after_window: AtomicU64,
    reuse_successor_already_used: AtomicU64,
    refresh_rotated: AtomicU64,
    refresh_duplicate: AtomicU64,
}

impl Metrics {
    pub fn record_reuse(&self, cause: ReuseCause) {
        let counter = match cause {
            ReuseCause::ReplayAfterWindow => &self.reuse_replay_after_window,
            ReuseCause::SuccessorAlreadyUsed => &self.reuse_successor_already_used,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_rotation(&self) {
        self.refresh_rotated.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_duplicate(&self) {
        self.refresh_duplicate.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP latchkey_refresh_reuse_total Refresh-token reuse detected (session revoked), by cause."
        );
        let _ = writeln!(out, "# TYPE latchkey_refresh_reuse_total counter");
        for (cause, counter) in [
            (ReuseCause::ReplayAfterWindow, &self.reuse_replay_after_window),
            (ReuseCause::SuccessorAlreadyUsed, &self.reuse_successor_already_used),
        ] {
            let _ = writeln!(
                out,
                "latchkey_refresh_reuse_total{{cause=\"{}\"}} {}",
                cause.as_str(),
                get(counter)
            );
        }
        let _ = writeln!(out, "# HELP latchkey_refresh_total Refresh grants answered, by outcome.");
        let _ = writeln!(out, "# TYPE latchkey_refresh_total counter");
        let _ = writeln!(out, "latchkey_refresh_total{{outcome=\"rotated\"}} {}", get(&self.refresh_rotated));
        let _ =
            writeln!(out, "latchkey_refresh_total{{outcome=\"duplicate\"}} {}", get(&self.refresh_duplicate));
        out
    }
}
