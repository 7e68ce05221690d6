//! A GitHub stand-in with the documented shapes: the token endpoint answers JSON or a form
//! body per `Accept` (or always a form, as it did for clients that did not ask), a wrong code
//! is `200 OK` with `{"error":"bad_verification_code",...}`, `/user` has an integer `id` and a
//! null or public `email`, `/user/emails` lists `email`/`primary`/`verified`/`visibility`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use latchkey_core::clock::ManualClock;
use latchkey_server::federation::upstream::{
    preset, CallbackInput, PkceMode, ProviderConfig, Upstream, UpstreamError,
};
use serde_json::{json, Value};
use url::Url;
use zeroize::Zeroizing;

const TOKEN: &str = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

#[derive(Default)]
struct GitHub {
    always_form: AtomicBool,
    public_email: Mutex<Value>,
    /// `None`: `/user/emails` answers 404 (no `user:email` scope).
    emails: Mutex<Option<Value>>,
}

async fn access_token(
    State(gh): State<Arc<GitHub>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    let body = if get("client_id") != Some("Iv1.client") || get("client_secret") != Some("gh-secret") {
        json!({"error": "incorrect_client_credentials", "error_description": "The client_id and/or client_secret passed are incorrect."})
    } else if get("code") != Some("good-code") {
        json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired.", "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"})
    } else {
        json!({"access_token": TOKEN, "scope": "read:user,user:email", "token_type": "bearer"})
    };
    let wants_json =
        headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    if wants_json && !gh.always_form.load(Ordering::SeqCst) {
        return Json(body).into_response();
    }
    let pairs = body.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()));
    let form = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    ([("content-type", "application/x-www-form-urlencoded; charset=utf-8")], form).into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
        && headers.get("user-agent").is_some()
}

async fn user(State(gh): State<Arc<GitHub>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"message": "Requires authentication"})))
            .into_response();
    }
    let email = gh.public_email.lock().unwrap().clone();
    Json(json!({"login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjE=", "type": "User",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4", "name": "The Octocat", "email": email}))
    .into_response()
}

async fn emails(State(gh): State<Arc<GitHub>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"message": "Requires authentication"})))
            .into_response();
    }
    match gh.emails.lock().unwrap().clone() {
        Some(list) => Json(list).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
    }
}

async fn start() -> (Arc<GitHub>, ProviderConfig) {
    let gh = Arc::new(GitHub::default());
    let router = Router::new()
        .route("/login/oauth/access_token", post(access_token))
        .route("/api/v3/user", get(user))
        .route("/api/v3/user/emails", get(emails))
        .with_state(gh.clone());
    let base = crate::serve(router).await;
    let github = preset("github").unwrap();
    let mut config = ProviderConfig {
        name: "github".into(),
        kind: github.kind,
        flavor: github.flavor,
        client_id: "Iv1.client".into(),
        client_secret: Zeroizing::new("gh-secret".into()),
        scopes: github.scopes,
        pkce: PkceMode::Auto,
        mapping: github.mapping,
        overrides: Default::default(),
        native_client_ids: vec![],
    };
    config.overrides.token_endpoint = Some(Url::parse(&format!("{base}/login/oauth/access_token")).unwrap());
    config.overrides.userinfo_endpoint = Some(Url::parse(&format!("{base}/api/v3/user")).unwrap());
    (gh, config)
}

fn callback(code: &str) -> CallbackInput {
    CallbackInput {
        code: code.into(),
        redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
        pkce_verifier: None,
        nonce: "unused-for-oauth2".into(),
        apple_user: None,
    }
}

fn upstream() -> Upstream {
    Upstream::new(Arc::new(ManualClock::new(crate::hostile::NOW)))
}

#[tokio::test]
async fn no_public_email_takes_the_primary_verified_address() {
    let (gh, config) = start().await;
    *gh.emails.lock().unwrap() = Some(json!([
        {"email": "octo@secondary.example", "verified": true, "primary": false, "visibility": null},
        {"email": "octocat@github.com", "verified": true, "primary": true, "visibility": "private"}
    ]));
    let login = upstream().complete(&config, &callback("good-code")).await.unwrap();
    assert_eq!(login.subject, "583231", "the integer id as a decimal string");
    assert_eq!(login.profile.email.as_deref(), Some("octocat@github.com"));
    assert!(login.profile.email_verified);
    assert_eq!(login.profile.name.as_deref(), Some("The Octocat"));
    assert_eq!(login.profile.picture.as_deref(), Some("https://avatars.githubusercontent.com/u/583231?v=4"));
}

#[tokio::test]
async fn an_unverified_primary_or_only_a_verified_secondary_gives_no_email() {
    let (gh, config) = start().await;
    *gh.public_email.lock().unwrap() = json!("octocat@github.com");
    *gh.emails.lock().unwrap() = Some(json!([
        {"email": "octocat@github.com", "verified": false, "primary": true, "visibility": "public"}
    ]));
    let login = upstream().complete(&config, &callback("good-code")).await.unwrap();
    assert_eq!(login.profile.email, None, "neither the unverified primary nor the public address");
    assert!(!login.profile.email_verified);

    *gh.emails.lock().unwrap() = Some(json!([
        {"email": "victim@example.com", "verified": false, "primary": true, "visibility": "private"},
        {"email": "octo@secondary.example", "verified": true, "primary": false, "visibility": null}
    ]));
    let login = upstream().complete(&config, &callback("good-code")).await.unwrap();
    assert_eq!((login.profile.email, login.profile.email_verified), (None, false));

    *gh.emails.lock().unwrap() = None;
    let login = upstream().complete(&config, &callback("good-code")).await.unwrap();
    assert_eq!(login.profile.email, None, "no user:email scope: no e-mail, still a login");
    assert_eq!(login.subject, "583231");
}

#[tokio::test]
async fn an_error_in_a_200_body_is_an_error_in_json_and_form() {
    let (gh, config) = start().await;
    let bad = UpstreamError::TokenEndpoint("bad_verification_code".into());
    assert_eq!(upstream().complete(&config, &callback("stale-code")).await.unwrap_err(), bad);
    gh.always_form.store(true, Ordering::SeqCst);
    assert_eq!(upstream().complete(&config, &callback("stale-code")).await.unwrap_err(), bad);

    // A form success body is read too.
    *gh.emails.lock().unwrap() =
        Some(json!([{"email": "octocat@github.com", "verified": true, "primary": true}]));
    let login = upstream().complete(&config, &callback("good-code")).await.unwrap();
    assert_eq!(login.tokens.scope.as_deref(), Some("read:user,user:email"));

    let mut wrong_secret = config.clone();
    wrong_secret.client_secret = Zeroizing::new("guess".into());
    let err = upstream().complete(&wrong_secret, &callback("good-code")).await.unwrap_err();
    assert_eq!(err, UpstreamError::TokenEndpoint("incorrect_client_credentials".into()));
}
