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

fn ours(sink: &Sink, ansi: bool) -> impl Subscriber + Send + Sync {
    let sink = sink.clone();
    tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(ansi)
        .fmt_fields(Fields)
        .event_format(Line)
        .finish()
}

fn default_format(sink: &Sink) -> impl Subscriber + Send + Sync {
    let sink = sink.clone();
    tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish()
}

fn capture(subscriber: impl Subscriber + Send + Sync, sink: &Sink, log: impl FnOnce()) -> String {
    tracing::subscriber::with_default(subscriber, log);
    String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
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
    let sink = Sink::default();
    let lines = capture(ours(&sink, false), &sink, request_lines);
    let line = lines.lines().next().unwrap().to_owned() + "\n";
    let target = module_path!();
    assert_eq!(
        untimed(&line),
        format!("  INFO request{{id=\"lk-7\" method=POST path=\"/token\"}}: {target}: served status=200 latency_us=53\n")
    );
    let sink = Sink::default();
    let default_lines = capture(default_format(&sink), &sink, request_lines);
    assert_eq!(lines.lines().count(), 2);
    for (line, default) in lines.lines().zip(default_lines.lines()) {
        assert_eq!(untimed(line), untimed(default));
    }
    let time = &line[..line.find(' ').unwrap()];
    assert!(time.ends_with('Z') && time.len() == "2026-12-02T09:00:00.000000Z".len(), "{time}");
}

#[test]
fn a_value_cannot_forge_a_line_or_send_a_terminal_escape() {
    let sink = Sink::default();
    let forged = "denied\n2026-12-02T00:00:00.000000Z  INFO admin: granted \u{1b}[2J\u{9b}31m";
    let line = capture(ours(&sink, false), &sink, || {
        warn!(error = %forged, "upstream said\r\n{forged}");
    });
    assert_eq!(line.matches('\n').count(), 1, "one line: {line:?}");
    assert!(line.ends_with('\n'));
    assert!(!line.contains(['\r', '\u{1b}', '\u{9b}']), "{line:?}");
    assert!(line.contains(r"upstream said\r\ndenied\n2026"), "{line:?}");
    assert!(line.contains(r"error=denied\n2026"), "{line:?}");
    assert!(line.contains(r"granted \u{1b}[2J\u{9b}31m"), "{line:?}");
}

#[test]
fn only_the_level_is_coloured_and_only_for_a_terminal() {
    let sink = Sink::default();
    let plain = capture(ours(&sink, false), &sink, || warn!(user = "ann", "refused"));
    assert!(untimed(&plain).starts_with("  WARN "), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    let sink = Sink::default();
    let coloured = capture(ours(&sink, true), &sink, || warn!(user = "ann", "refused"));
    assert_eq!(untimed(&coloured), untimed(&plain).replacen("WARN", "\u{1b}[33mWARN\u{1b}[0m", 1));
}
