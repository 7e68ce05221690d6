use std::io;
use std::sync::{Arc, Mutex};

use tracing::{info, info_span, warn, Subscriber};

use super::{Fields, Line};

/// Collects what a subscriber writes.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What our format writes while `log` runs; with ANSI escapes as at a terminal if `ansi`.
fn ours(ansi: bool, log: impl FnOnce()) -> String {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(ansi)
        .fmt_fields(Fields)
        .event_format(Line)
        .finish();
    sink.written_during(subscriber, log)
}

/// What `tracing_subscriber`'s default format writes while `log` runs, without colours.
fn default_format(log: impl FnOnce()) -> String {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    sink.written_during(subscriber, log)
}

impl Sink {
    fn written_during(&self, subscriber: impl Subscriber + Send + Sync, log: impl FnOnce()) -> String {
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The line without its timestamp (the first word), which differs from run to run.
fn untimed(line: &str) -> &str {
    &line[line.find(' ').unwrap()..]
}

/// The request line, then one with each other kind of value, in the request's span.
fn request_lines() {
    let span = info_span!("request", id = "lk-7", method = %"POST", path = "/token");
    let _in = span.enter();
    info!(status = 200u16, latency_us = 53u64, "served");
    info!(user = "ann \"the\" admin\\", r#type = "é", enabled = true, delta = -3i64, "noted {}", 1);
}

#[test]
fn a_request_line_is_laid_out_as_the_default_format_lays_it_out() {
    let lines = ours(false, request_lines);
    let line = lines.lines().next().unwrap().to_owned() + "\n";
    let target = module_path!();
    assert_eq!(
        untimed(&line),
        format!("  INFO request{{id=\"lk-7\" method=POST path=\"/token\"}}: {target}: served status=200 latency_us=53\n")
    );
    let default_lines = default_format(request_lines);
    assert_eq!(lines.lines().count(), 2);
    assert_eq!(default_lines.lines().count(), 2);
    for (line, default) in lines.lines().zip(default_lines.lines()) {
        assert_eq!(untimed(line), untimed(default));
    }
    let time = &line[..line.find(' ').unwrap()];
    assert!(time.ends_with('Z') && time.len() == "2026-12-02T09:00:00.000000Z".len(), "{time}");
}

#[test]
fn a_value_cannot_forge_a_line_or_send_a_terminal_escape() {
    let forged = "denied\n2026-12-02T00:00:00.000000Z  INFO admin: granted \u{1b}[2J\u{9b}31m\u{7f}";
    let line = ours(false, || warn!(error = %forged, "upstream said\r\n{forged}"));
    assert_eq!(line.matches('\n').count(), 1, "one line: {line:?}");
    assert!(line.ends_with('\n'));
    assert!(!line.contains(['\r', '\u{1b}', '\u{9b}', '\u{7f}']), "{line:?}");
    assert!(line.contains(r"upstream said\r\ndenied\n2026"), "{line:?}");
    assert!(line.contains(r"error=denied\n2026"), "{line:?}");
    assert!(line.contains(r"granted \u{1b}[2J\u{9b}31m\u{7f}"), "{line:?}");
}

#[test]
fn a_value_cannot_break_a_line_for_other_readers_or_reorder_it() {
    let spoof = "ann\u{2028}INFO admin: granted \u{202e}nimda\u{2029}";
    let line = ours(false, || warn!(user = %spoof, "refused {spoof}"));
    assert!(!line.contains(['\u{2028}', '\u{2029}', '\u{202e}']), "{line:?}");
    assert!(line.contains(r"refused ann\u{2028}INFO admin: granted \u{202e}nimda\u{2029}"), "{line:?}");
    assert!(line.contains(r"user=ann\u{2028}INFO"), "{line:?}");
}

/// What `rustls` logs through the `log` crate, forwarded as `tracing_subscriber` does.
fn log_crate_record() {
    tracing_log::format_trace(
        &log::Record::builder()
            .args(format_args!("Sending fatal alert"))
            .level(log::Level::Warn)
            .target("rustls::common_state")
            .module_path(Some("rustls::common_state"))
            .file(Some("common_state.rs"))
            .line(Some(613))
            .build(),
    )
    .unwrap();
}

#[test]
fn a_log_crate_record_shows_its_own_target_and_no_log_fields() {
    let line = ours(false, log_crate_record);
    assert_eq!(untimed(&line), "  WARN rustls::common_state: Sending fatal alert\n");
    assert_eq!(untimed(&line), untimed(&default_format(log_crate_record)));
}

#[derive(Debug)]
struct Refused(std::fmt::Error);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upstream refused")
    }
}

impl std::error::Error for Refused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn error_with_a_source() {
    let error = Refused(std::fmt::Error);
    warn!(error = &error as &(dyn std::error::Error + 'static), "sign-in failed");
}

#[test]
fn an_error_is_written_with_its_sources_as_the_default_writes_it() {
    let line = ours(false, error_with_a_source);
    assert!(line.contains(" error=upstream refused error.sources=[an error occurred when"), "{line:?}");
    assert_eq!(untimed(&line), untimed(&default_format(error_with_a_source)));
}

#[test]
fn only_the_level_is_coloured_and_only_for_a_terminal() {
    let plain = ours(false, || warn!(user = "ann", "refused"));
    assert!(untimed(&plain).starts_with("  WARN "), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    let coloured = ours(true, || warn!(user = "ann", "refused"));
    assert_eq!(untimed(&coloured), untimed(&plain).replacen("WARN", "\u{1b}[33mWARN\u{1b}[0m", 1));
}
