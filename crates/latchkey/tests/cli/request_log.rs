//! The request log of a real `latchkey serve`: its lines are written in batches
//! (`crates/latchkey/src/log_writer.rs`), none is lost when the server stops, and a stderr
//! nobody reads does not keep it from stopping.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::commands::wait_with_timeout;
use crate::{Env, SHARED_ISSUER};

/// Requests sent just before SIGTERM: their lines are still in the batch when the signal
/// arrives, so they reach stderr only if the shutdown writes what is buffered.
const REQUESTS: usize = 40;

/// `latchkey serve` at `info`, its stdout and stderr piped.
fn serve_logging_at_info(env: &Env) -> Child {
    env.command(&["serve", "--listen", "127.0.0.1:0", "--issuer", SHARED_ISSUER])
        .env("LATCHKEY_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The address from the banner the server prints once it listens.
fn listening_address(child: &mut Child) -> String {
    let banner = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    banner
        .strip_prefix("Latchkey is listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(address, _)| address.to_owned())
        .expect("no address in the banner")
}

/// Sends `requests` requests for `/jwks.json` (one log line each), then SIGTERM; the server
/// must stop cleanly.
fn serve_then_stop(child: &mut Child, requests: usize) {
    let address = listening_address(child);
    let http = reqwest::blocking::Client::new();
    for _ in 0..requests {
        assert_eq!(http.get(format!("{address}/jwks.json")).send().unwrap().status(), 200);
    }
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = wait_with_timeout(child, Duration::from_secs(30));
    assert!(status.success(), "the server did not stop cleanly: {status:?}");
}

#[test]
fn every_request_line_reaches_stderr_when_the_server_stops() {
    let env = Env::sqlite();
    let mut child = serve_logging_at_info(&env);
    let mut stderr = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    serve_then_stop(&mut child, REQUESTS);
    let logged = reading.join().unwrap();
    let served = logged
        .lines()
        .filter(|line| line.contains(r#"path="/jwks.json""#) && line.contains(" served "))
        .count();
    assert_eq!(served, REQUESTS, "one line per request, none lost at shutdown:\n{logged}");
}

/// Enough request lines to fill a pipe's buffer (64 KiB on Linux) several times over.
const LINES_PAST_A_FULL_PIPE: usize = 1_500;

/// A stderr that nobody reads (a full pipe) blocks the log writer thread in `write(2)`; the
/// server must still serve and, on SIGTERM, exit instead of waiting for that thread forever.
#[test]
fn a_stderr_nobody_reads_does_not_keep_the_server_from_exiting() {
    let env = Env::sqlite();
    let mut child = serve_logging_at_info(&env);
    // Held open and never read.
    let _stderr = child.stderr.take().unwrap();
    serve_then_stop(&mut child, LINES_PAST_A_FULL_PIPE);
}
