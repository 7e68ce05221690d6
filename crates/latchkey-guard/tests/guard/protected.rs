//! A small resource server protected by the guard layer, and a client for it.

use axum::routing::get;
use axum::{Json, Router};
use latchkey_guard::{
    AuthenticationRequirement, Claims, Guard, GuardBuilder, Introspected, Rejection, RequireScope, ScopeName,
    SignIn,
};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::serve::serve_on;

pub struct BankRead;
impl ScopeName for BankRead {
    const NAME: &'static str = "bank:read";
}

pub struct BankWrite;
impl ScopeName for BankWrite {
    const NAME: &'static str = "bank:write";
}

async fn me(Claims(claims): Claims) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "scope": claims.scope, "sid": claims.sid, "iss": claims.iss }))
}

async fn read(_: RequireScope<BankRead>, claims: Claims) -> String {
    format!("read by {}", claims.sub)
}

async fn write(_: RequireScope<BankWrite>) -> &'static str {
    "written"
}

async fn write_helper(claims: Claims) -> Result<&'static str, Rejection> {
    claims.require_scope("bank:write")?;
    Ok("written")
}

/// The step-up route: a second-factor sign-in within the last 300 s (RFC 9470).
pub const STEP_UP_ACR: &str = "urn:latchkey:acr:mfa";

async fn step_up(sign_in: SignIn) -> Result<&'static str, Rejection> {
    sign_in
        .require(&AuthenticationRequirement { acr_values: vec![STEP_UP_ACR.into()], max_age: Some(300) })?;
    Ok("stepped up")
}

async fn critical(Introspected(claims): Introspected) -> String {
    format!("confirmed {}", claims.sub)
}

pub struct Protected {
    pub url: String,
    http: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
}

pub struct Reply {
    pub status: u16,
    pub challenge: Option<String>,
    pub body: Value,
}

impl Reply {
    /// Asserts a `401 invalid_token` with the RFC 6750 §3 challenge and JSON body.
    pub fn assert_invalid_token(&self) {
        assert_eq!(self.status, 401, "{:?} {}", self.challenge, self.body);
        let challenge = self.challenge.as_deref().unwrap();
        assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains("error_description=\""), "{challenge}");
        assert_eq!(self.body["error"], "invalid_token", "{}", self.body);
    }

    pub fn assert_invalid_request(&self) {
        assert_eq!(self.status, 400, "{:?} {}", self.challenge, self.body);
        assert!(self.challenge.as_deref().unwrap().contains("error=\"invalid_request\""));
        assert_eq!(self.body["error"], "invalid_request");
    }

    pub fn description(&self) -> &str {
        self.body["error_description"].as_str().unwrap_or_default()
    }
}

impl Protected {
    pub async fn start(guard: Guard) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, guard)
    }

    /// Builds the guard with DPoP for this app's own public URL (RFC 9449 §7), and serves.
    pub async fn start_dpop(builder: GuardBuilder) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        Self::serve(listener, builder.dpop(url).build().await.unwrap())
    }

    fn serve(listener: tokio::net::TcpListener, guard: Guard) -> Self {
        let app = Router::new()
            .route("/me", get(me))
            .route("/read", get(read))
            .route("/write", get(write))
            .route("/write-helper", get(write_helper))
            .route("/critical", get(critical))
            .route("/step-up", get(step_up))
            .route("/healthz", get(|| async { "up" }))
            .route("/docs/{*rest}", get(|| async { "docs" }))
            .layer(guard.layer());
        let (url, shutdown) = serve_on(listener, app);
        Self { url, http: reqwest::Client::new(), _shutdown: shutdown }
    }

    /// `GET path` with `Authorization: Bearer token`.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.get_with(path, &[("authorization", format!("Bearer {token}"))]).await
    }

    /// `GET path` with these headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, String)]) -> Reply {
        let mut request = self.http.get(format!("{}{path}", self.url));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, challenge, body }
    }
}
