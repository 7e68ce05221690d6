//! What a BFF needs to know: its Latchkey client registration, its own public URL, the API
//! prefixes it forwards, and its session limits.

use std::time::Duration;

use url::Url;

/// One proxied API: requests under `prefix` go to `upstream` (the rest of the path is
/// appended to the upstream's path). The upstream is fixed here, never taken from the
/// request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRoute {
    /// A path such as `/api` (no trailing slash).
    pub prefix: String,
    pub upstream: Url,
}

impl ApiRoute {
    /// Parses `PREFIX=URL` (the `--route` flag), e.g. `/api=http://127.0.0.1:9000`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (prefix, upstream) =
            spec.split_once('=').ok_or_else(|| format!("a route is PREFIX=URL, got {spec:?}"))?;
        let prefix = prefix.trim_end_matches('/');
        if !prefix.starts_with('/') || prefix.len() < 2 || prefix.contains(['?', '#']) {
            return Err(format!("a route prefix is a path like /api, got {prefix:?}"));
        }
        let upstream = Url::parse(upstream).map_err(|e| format!("route upstream {upstream:?}: {e}"))?;
        if !matches!(upstream.scheme(), "http" | "https") || upstream.query().is_some() {
            return Err(format!("a route upstream is an http(s) URL without query, got {upstream}"));
        }
        Ok(Self { prefix: prefix.to_owned(), upstream })
    }

    /// The rest of `path` after this prefix (`""` or starting with `/`), when it is under it.
    pub fn rest<'a>(&self, path: &'a str) -> Option<&'a str> {
        let rest = path.strip_prefix(&self.prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

/// The BFF's settings.
#[derive(Clone, Debug)]
pub struct BffConfig {
    /// Latchkey's issuer identifier.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where browsers reach this BFF (scheme, host, port; the app's origin). The redirect
    /// URI registered at Latchkey is `<public_url><prefix>/callback`.
    pub public_url: Url,
    /// Where the BFF's own routes live, `/bff` by default.
    pub prefix: String,
    /// Proxied APIs (standalone mode).
    pub routes: Vec<ApiRoute>,
    /// Prefixes [`crate::BffLayer`] guards in an embedding app (no proxying).
    pub embedded_prefixes: Vec<String>,
    /// Scope asked for at sign-in; `openid` is always included.
    pub scope: String,
    /// Origins allowed to send API calls, besides `public_url`'s own.
    pub extra_origins: Vec<String>,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not. Keep it no longer than the
    /// refresh token's absolute lifetime at Latchkey.
    pub session_absolute: Duration,
    /// Refresh the access token this long before it expires.
    pub refresh_skew: Duration,
    /// Upper bound for one proxied request, body included.
    pub upstream_timeout: Duration,
    /// Where Latchkey's RP-initiated logout sends the browser back (registered at Latchkey
    /// as a `post_logout_redirect_uri`); `public_url` when unset.
    pub post_logout_redirect_uri: Option<String>,
}

impl BffConfig {
    /// The defaults for everything but the client registration and the public URL.
    pub fn new(issuer: &str, client_id: &str, client_secret: &str, public_url: Url) -> Self {
        Self {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            public_url,
            prefix: "/bff".into(),
            routes: Vec::new(),
            embedded_prefixes: Vec::new(),
            scope: "openid profile".into(),
            extra_origins: Vec::new(),
            session_idle: Duration::from_secs(8 * 3600),
            session_absolute: Duration::from_secs(24 * 3600),
            refresh_skew: Duration::from_secs(30),
            upstream_timeout: Duration::from_secs(30),
            post_logout_redirect_uri: None,
        }
    }

    /// `public_url`'s origin, as browsers send it in `Origin` (no trailing slash).
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}{}/callback", self.origin(), self.prefix)
    }

    /// Whether the cookie may go without `Secure`: only over plain HTTP to a loopback host,
    /// where browsers treat `http://localhost` as a secure context anyway (the same rule as
    /// the server's own cookies, docs/architecture.md).
    pub fn insecure_loopback(&self) -> bool {
        self.public_url.scheme() == "http"
            && match self.public_url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(name)) => name == "localhost",
                None => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_and_match_whole_segments() {
        let route = ApiRoute::parse("/api/=http://127.0.0.1:9000/v1").unwrap();
        assert_eq!(route.prefix, "/api");
        assert_eq!(route.rest("/api/accounts"), Some("/accounts"));
        assert_eq!(route.rest("/api"), Some(""));
        assert_eq!(route.rest("/apix"), None);
        assert!(ApiRoute::parse("api=http://x").is_err());
        assert!(ApiRoute::parse("/api=ftp://x").is_err());
        assert!(ApiRoute::parse("/api").is_err());
    }

    #[test]
    fn only_plain_http_loopback_may_drop_secure() {
        let config = |url: &str| BffConfig::new("i", "c", "s", Url::parse(url).unwrap());
        assert!(config("http://127.0.0.1:8080").insecure_loopback());
        assert!(config("http://localhost:8080").insecure_loopback());
        assert!(!config("https://127.0.0.1").insecure_loopback());
        assert!(!config("http://bank.example").insecure_loopback());
        assert_eq!(config("https://bank.example/").redirect_uri(), "https://bank.example/bff/callback");
    }
}
