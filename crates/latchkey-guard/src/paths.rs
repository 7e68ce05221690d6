//! Public paths: the requests the guard lets through unchecked (the role of express-jwt's
//! `.unless({ path: [...] })`), e.g. health checks, login pages, static files.
//!
//! A pattern is an exact path (`/healthz`) or a prefix ending in `/*` (`/docs/*` matches
//! `/docs/` and everything below it, not `/docs` itself nor `/docsx`). A path containing a
//! dot segment (`.`, `..`) or an encoded dot or slash never counts as public, so
//! `/docs/../admin` cannot sneak past the guard through a proxy that normalizes paths after
//! the guard looked (RFC 3986 §5.2.4, §6.2.2.2).

/// The configured public-path patterns.
#[derive(Debug, Clone, Default)]
pub(crate) struct PublicPaths {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl PublicPaths {
    pub(crate) fn new<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut paths = Self::default();
        for pattern in patterns {
            let pattern = pattern.into();
            match pattern.strip_suffix('*') {
                Some(prefix) if prefix.ends_with('/') => paths.prefixes.push(prefix.to_owned()),
                _ => paths.exact.push(pattern),
            }
        }
        paths
    }

    /// Whether `path` (the request URI's path, undecoded) skips the check.
    pub(crate) fn is_public(&self, path: &str) -> bool {
        if self.exact.is_empty() && self.prefixes.is_empty() {
            return false;
        }
        if is_ambiguous(path) {
            return false;
        }
        self.exact.iter().any(|p| p == path) || self.prefixes.iter().any(|p| path.starts_with(p.as_str()))
    }
}

/// Dot segments and percent-encoded `.` or `/` (which some servers decode before routing).
fn is_ambiguous(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || path.contains('\\')
        || path.split('/').any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_prefix_patterns() {
        let paths = PublicPaths::new(["/healthz", "/docs/*"]);
        assert!(paths.is_public("/healthz"));
        assert!(!paths.is_public("/healthz/x"));
        assert!(paths.is_public("/docs/"));
        assert!(paths.is_public("/docs/a/b"));
        assert!(!paths.is_public("/docs"));
        assert!(!paths.is_public("/docsx"));
        assert!(!paths.is_public("/accounts"));
    }

    #[test]
    fn dot_segments_and_encoded_separators_are_never_public() {
        let paths = PublicPaths::new(["/docs/*"]);
        assert!(!paths.is_public("/docs/../admin"));
        assert!(!paths.is_public("/docs/%2e%2e/admin"));
        assert!(!paths.is_public("/docs/..%2Fadmin"));
        assert!(!paths.is_public("/docs/./x"));
    }
}
