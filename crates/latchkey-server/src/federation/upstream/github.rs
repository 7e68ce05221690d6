//! GitHub (an OAuth 2.0 provider, not OpenID Connect): who signed in is `GET /user`, whose
//! `id` is an integer (our subject: its decimal string) and whose `email` is the *public*
//! address, often `null` and never said to be verified. The e-mail therefore comes only from
//! `GET /user/emails`: the address that is `primary` **and** `verified`. A verified secondary
//! address is not used (the user did not choose it as theirs for GitHub), and an unverified
//! primary is not used either: the profile then has no e-mail, so nothing links or collides on
//! it. Without the `user:email` scope GitHub answers 403/404 there: no e-mail, not an error.
//! (Docs: REST API "Get the authenticated user", "List email addresses for the authenticated
//! user".)

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::userinfo::{fetch_profile, Identity};
use super::{ProviderConfig, UpstreamError};

/// GitHub's REST media type.
const GITHUB_JSON: &str = "application/vnd.github+json";

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

pub(crate) async fn identity(
    http: &UpstreamHttp,
    p: &ProviderConfig,
    profile_url: &Url,
    access_token: &str,
) -> Result<Identity, UpstreamError> {
    let mut user = fetch_profile(http, profile_url, Auth::Bearer(access_token), GITHUB_JSON).await?;
    let id = user
        .get("id")
        .and_then(Value::as_u64)
        .ok_or(UpstreamError::Profile("the GitHub user has no integer id"))?;
    let emails_url = match &p.overrides.emails_endpoint {
        Some(url) => url.clone(),
        None => emails_url(profile_url),
    };
    let email = primary_verified_email(http, &emails_url, access_token).await?;
    let subject = id.to_string();
    user.insert("sub".into(), Value::String(subject.clone()));
    user.insert("email_verified".into(), Value::Bool(email.is_some()));
    user.insert("email".into(), email.map_or(Value::Null, Value::String));
    Ok(Identity { subject, claims: Value::Object(user) })
}

/// `/user` → `/user/emails` (also under GitHub Enterprise's `/api/v3`).
fn emails_url(profile_url: &Url) -> Url {
    let mut url = profile_url.clone();
    let path = format!("{}/emails", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url
}

async fn primary_verified_email(
    http: &UpstreamHttp,
    url: &Url,
    access_token: &str,
) -> Result<Option<String>, UpstreamError> {
    let reply = http.get(url, Auth::Bearer(access_token), GITHUB_JSON).await?;
    if matches!(reply.status, 403 | 404) {
        return Ok(None);
    }
    if !reply.is_success() {
        return Err(UpstreamError::Profile("GitHub refused to list the e-mail addresses"));
    }
    let emails: Vec<GitHubEmail> = serde_json::from_slice(&reply.body)
        .map_err(|_| UpstreamError::Profile("GitHub's e-mail list is not in the documented shape"))?;
    Ok(emails.into_iter().find(|e| e.primary && e.verified).map(|e| e.email))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn emails_url_follows_the_profile_url() {
        let api = Url::parse("https://api.github.com/user").unwrap();
        assert_eq!(emails_url(&api).as_str(), "https://api.github.com/user/emails");
        let enterprise = Url::parse("https://ghe.example/api/v3/user/?x=1").unwrap();
        assert_eq!(emails_url(&enterprise).as_str(), "https://ghe.example/api/v3/user/emails");
    }
}
