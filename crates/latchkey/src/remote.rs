//! `--server URL`: the administration commands drive a running server through its admin API
//! (`/admin/`, docs/architecture.md "Admin API") instead of opening the database, so the
//! operator's machine needs neither the database URL nor the master key — only an admin
//! client's credentials (`latchkey clients add --admin`), from `LATCHKEY_ADMIN_CLIENT_ID` and
//! `LATCHKEY_ADMIN_CLIENT_SECRET`. The token comes from the server's `/token` with the
//! client-credentials grant (RFC 6749 §4.4).

use anyhow::{bail, Context as _};
use latchkey_server::admin_api::{Page, ProblemBody};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub const CLIENT_ID_ENV: &str = "LATCHKEY_ADMIN_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "LATCHKEY_ADMIN_CLIENT_SECRET";
/// Where the admin API is when it has a listener of its own [default: `<server>/admin`].
pub const ADMIN_URL_ENV: &str = "LATCHKEY_ADMIN_URL";

/// A connection to a server's admin API with an admin token.
pub struct AdminApi {
    http: reqwest::Client,
    base: String,
    token: String,
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("--server needs an admin client's credentials in {name}"))
}

/// The problem details of a refusal, as one line for the operator.
async fn refusal(response: Response) -> anyhow::Error {
    let status = response.status();
    match response.json::<ProblemBody>().await {
        Ok(problem) => anyhow::anyhow!("{} ({status})", problem.detail.unwrap_or(problem.title)),
        Err(_) => anyhow::anyhow!("the server answered {status}"),
    }
}

impl AdminApi {
    /// Gets an admin token from `server` (its issuer URL).
    pub async fn connect(server: &str) -> anyhow::Result<Self> {
        let server = server.trim_end_matches('/');
        let (id, secret) = (env(CLIENT_ID_ENV)?, env(CLIENT_SECRET_ENV)?);
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{server}/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", latchkey_core::scope::ADMIN_SCOPE)])
            .send()
            .await
            .with_context(|| format!("cannot reach {server}"))?;
        if !response.status().is_success() {
            let status = response.status();
            let body: Value = response.json().await.unwrap_or_default();
            bail!(
                "the server refused the admin client's credentials ({status}): {}",
                body["error_description"]
            );
        }
        let body: Value = response.json().await.context("the token response is not JSON")?;
        let token =
            body["access_token"].as_str().context("no access_token in the token response")?.to_owned();
        let base = std::env::var(ADMIN_URL_ENV).unwrap_or_else(|_| format!("{server}/admin"));
        Ok(Self { http, base: base.trim_end_matches('/').to_owned(), token })
    }

    fn builder(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token)
    }

    async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<Response> {
        let mut request = self.builder(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    async fn send(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        let response = request.send().await.with_context(|| format!("cannot reach {}", self.base))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(refusal(response).await)
        }
    }

    /// A JSON answer of `method path` with `body`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> anyhow::Result<T> {
        let body = body.map(serde_json::to_value).transpose()?;
        let response = self.request(method, path, body.as_ref()).await?;
        response.json().await.context("the admin API answered something else than JSON")
    }

    /// Applies a JSON merge patch (RFC 7396) to the resource at `path`: sends back in
    /// `If-Match` the `ETag` just read, so a change someone made meanwhile is refused (412)
    /// rather than overwritten.
    pub async fn merge_patch<T: DeserializeOwned>(&self, path: &str, patch: &Value) -> anyhow::Result<T> {
        let current = self.request(Method::GET, path, None).await?;
        let etag = current.headers().get(ETAG).cloned().context("the admin API sent no ETag")?;
        let request = self
            .builder(Method::PATCH, path)
            .header(IF_MATCH, etag)
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(patch.to_string());
        let response = self.send(request).await?;
        response.json().await.context("the admin API answered something else than JSON")
    }

    /// A request whose answer has no body (`204`).
    pub async fn call_empty(&self, method: Method, path: &str) -> anyhow::Result<()> {
        self.request(method, path, None).await.map(drop)
    }

    /// Every item of a list, page after page, with these query `filters`.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        filters: &[(&str, String)],
    ) -> anyhow::Result<Vec<T>> {
        self.list_at_most(path, filters, usize::MAX).await
    }

    /// The first `most` items of a list, page after page.
    pub async fn list_at_most<T: DeserializeOwned>(
        &self,
        path: &str,
        filters: &[(&str, String)],
        most: usize,
    ) -> anyhow::Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        while items.len() < most {
            let mut request = self.builder(Method::GET, path).query(filters).query(&[("limit", "200")]);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let response = self.send(request).await?;
            let page: Page<T> =
                response.json().await.context("the admin API answered something else than JSON")?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        items.truncate(most);
        Ok(items)
    }
}
