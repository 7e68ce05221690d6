//! Where the browser goes after sign-in: only a path on this origin, so that
//! `/bff/login?return_to=` cannot be used as an open redirector (RFC 9700 §4.11).
//!
//! Accepted: a path starting with exactly one `/`, no backslash (browsers read `/\evil` as
//! `//evil`), no control characters, no scheme. Everything else falls back to `/`.

/// `requested` when it is a safe same-origin path, else `/`.
pub fn sanitize(requested: Option<&str>) -> String {
    match requested {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2048
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && !path.to_ascii_lowercase().contains("%5c")
        && path.get(1..2).is_none_or(|second| second != "%")
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn local_paths_pass() {
        assert_eq!(sanitize(Some("/accounts?tab=history#top")), "/accounts?tab=history#top");
        assert_eq!(sanitize(Some("/")), "/");
        assert_eq!(sanitize(None), "/");
    }

    #[test]
    fn open_redirect_attempts_fall_back_to_root() {
        for attempt in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/%2F%2Fevil.example",
            "/%5Cevil.example",
            "/\tevil",
            "/ /evil",
            "",
        ] {
            assert_eq!(sanitize(Some(attempt)), "/", "{attempt:?}");
        }
    }
}
