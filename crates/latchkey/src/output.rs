//! Printing results: one JSON document on stdout with `--json`, plain text otherwise.
//! Progress and logs go to stderr, so stdout stays machine-readable.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A Unix time as RFC 3339 in UTC, to the second (`2026-12-01T09:50:51Z`).
pub fn rfc3339(unix: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}
