//! Unit tests of `sql/mod.rs`'s helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn sqlite_mode_is_added_once() {
    assert_eq!(sqlite_url_with_mode("sqlite:a.db"), "sqlite:a.db?mode=rwc");
    assert_eq!(sqlite_url_with_mode("sqlite://a.db?cache=shared"), "sqlite://a.db?cache=shared&mode=rwc");
    assert_eq!(sqlite_url_with_mode("sqlite:a.db?mode=ro"), "sqlite:a.db?mode=ro");
}

#[test]
fn lists_round_trip_through_json() {
    let json = to_json(&["a\"b", "c"]);
    assert_eq!(json, r#"["a\"b","c"]"#);
    let back: Vec<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, ["a\"b", "c"]);
}
