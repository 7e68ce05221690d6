//! Skipping a test that cannot run here, visibly.
//!
//! A skipped test passes, so the reason has to be seen some other way: [`skip`] writes one
//! `skipped: <why> [<test>]` line straight to the process's stderr (past libtest's output
//! capture, so plain `cargo test` shows it), and appends the same line to the file named by
//! `LATCHKEY_TEST_SKIP_LOG` when that is set, which `scripts/test.sh` reads to list every
//! skipped test at the end of the run.

use std::io::Write;

/// The file [`skip`] appends its line to, when set.
pub const SKIP_LOG_VAR: &str = "LATCHKEY_TEST_SKIP_LOG";

/// Set to `required` (as `scripts/test.sh` does), the suites that drive outside tools (the
/// browser and relying-party scripts in `e2e/`, the Node and Python servers in `interop/`)
/// fail instead of skipping when a tool is missing.
pub const REQUIRE_VAR: &str = "LATCHKEY_TEST_E2E";

/// Reports the current test as skipped because of `why`; the caller then returns.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unnamed test");
    let line = format!("skipped: {why} [{test}]\n");
    // `eprintln!` would be captured and shown only if the test failed.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    if let Some(path) = std::env::var_os(SKIP_LOG_VAR) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut log| log.write_all(line.as_bytes()));
        if let Err(e) = appended {
            panic!("cannot append to {SKIP_LOG_VAR}={}: {e}", path.to_string_lossy());
        }
    }
}

/// Whether `LATCHKEY_TEST_E2E=required`.
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|value| value == "required")
}

/// For a suite that needs an outside tool: fails the test when [`required`], otherwise
/// [`skip`]s it.
pub fn skip_unless_required(why: &str) {
    assert!(!required(), "{REQUIRE_VAR}=required, but {why}");
    skip(why);
}
