//! Where the server's endpoints are: from its RFC 8414 metadata or given by the caller.
//!
//! Discovery fetches `/.well-known/oauth-authorization-server` with the issuer's path
//! appended (RFC 8414 §3.1) and insists that the metadata's `issuer` is byte-for-byte the one
//! asked for (§3.3), so a compromised or confused document cannot point the client at
//! another server's endpoints.

use reqwest::Url;
use serde::Deserialize;

use crate::error::ClientError;

/// The endpoints this SDK uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The issuer identifier, exactly as the server spells it (compared with RFC 9207 `iss`).
    pub issuer: String,
    pub token: Url,
    /// RFC 7009; `None` when the server does not announce one.
    pub revocation: Option<Url>,
    /// RFC 6749 §3.1; `None` when the server does not announce one.
    pub authorization: Option<Url>,
    /// RFC 9207 §3: the server puts `iss` in every authorization response, so a redirect
    /// without it must be refused.
    pub authorization_response_iss: bool,
    /// The JWKS (RFC 8414 §2 `jwks_uri`) that verifies ID tokens; `None` when not announced.
    pub jwks: Option<Url>,
    /// OpenID Connect RP-Initiated Logout 1.0 §2.1; `None` when not announced.
    pub end_session: Option<Url>,
}

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
    authorization_endpoint: Option<String>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
    jwks_uri: Option<String>,
    end_session_endpoint: Option<String>,
}

pub(crate) fn parse_url(what: &str, url: &str) -> Result<Url, ClientError> {
    Url::parse(url).map_err(|e| ClientError::Config(format!("{what} {url:?} is not a URL: {e}")))
}

/// The RFC 8414 §3.1 metadata URL of `issuer`.
fn metadata_url(issuer: &str) -> Result<Url, ClientError> {
    let mut url = parse_url("the issuer", issuer)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ClientError::Config("an issuer has no query or fragment (RFC 8414 §2)".into()));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Ok(url)
}

impl Endpoints {
    /// Fetches and checks the server's metadata (RFC 8414 §3).
    pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Self, ClientError> {
        let response = http.get(metadata_url(issuer)?).send().await?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            return Err(ClientError::UnexpectedResponse { status });
        }
        let metadata: Metadata =
            response.json().await.map_err(|_| ClientError::UnexpectedResponse { status })?;
        if metadata.issuer != issuer {
            return Err(ClientError::Config(format!(
                "the metadata names issuer {:?}, not {issuer:?} (RFC 8414 §3.3)",
                metadata.issuer
            )));
        }
        let optional = |what: &str, url: Option<String>| url.map(|u| parse_url(what, &u)).transpose();
        Ok(Self {
            token: parse_url("token_endpoint", &metadata.token_endpoint)?,
            revocation: optional("revocation_endpoint", metadata.revocation_endpoint)?,
            authorization: optional("authorization_endpoint", metadata.authorization_endpoint)?,
            authorization_response_iss: metadata.authorization_response_iss_parameter_supported,
            jwks: optional("jwks_uri", metadata.jwks_uri)?,
            end_session: optional("end_session_endpoint", metadata.end_session_endpoint)?,
            issuer: metadata.issuer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_goes_between_host_and_path() {
        let at = |issuer| metadata_url(issuer).unwrap().to_string();
        assert_eq!(
            at("https://auth.example.com"),
            "https://auth.example.com/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            at("https://example.com/tenant1"),
            "https://example.com/.well-known/oauth-authorization-server/tenant1"
        );
        assert!(metadata_url("https://example.com/?a=b").is_err());
        assert!(metadata_url("not a url").is_err());
    }
}
