//! What the layer lets through and what the handlers may demand: public paths, the cookie
//! mode, and per-route scopes (RFC 6750 §3.1 `insufficient_scope`).

use serde_json::json;

use crate::fake_issuer::{FakeIssuer, AUDIENCE};
use crate::protected::Protected;

#[tokio::test]
async fn public_paths_skip_the_check_and_nothing_else_does() {
    let issuer = FakeIssuer::start().await;
    let guard = issuer.guard().public_paths(["/healthz", "/docs/*"]).build().await.unwrap();
    let app = Protected::start(guard).await;
    assert_eq!(app.get_with("/healthz", &[]).await.status, 200);
    assert_eq!(app.get_with("/docs/intro", &[]).await.status, 200);
    assert_eq!(app.get_with("/docs/a/b/c", &[]).await.status, 200);
    // A bad token on a public path is not looked at either (express-jwt's `unless`).
    assert_eq!(app.get("/healthz", "garbage").await.status, 200);

    assert_eq!(app.get_with("/me", &[]).await.status, 401);
    assert_eq!(app.get_with("/healthz/", &[]).await.status, 401);
    assert_eq!(app.get_with("/docs/../me", &[]).await.status, 401);
    assert_eq!(app.get_with("/docs/%2e%2e/me", &[]).await.status, 401);
    // A handler that reads the claims on a public path gets the bare challenge, not a panic.
    let issuer2 = FakeIssuer::start().await;
    let guard = issuer2.guard().public_paths(["/me"]).build().await.unwrap();
    let app = Protected::start(guard).await;
    let reply = app.get_with("/me", &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.challenge.as_deref(), Some(format!("Bearer realm=\"{AUDIENCE}\"").as_str()));
}

#[tokio::test]
async fn cookie_mode_reads_the_token_from_the_cookie_and_the_header_wins() {
    let issuer = FakeIssuer::start().await;
    let guard = issuer.guard().cookie("__Host-at").realm("bank").build().await.unwrap();
    let app = Protected::start(guard).await;
    let token = issuer.token();

    let reply = app.get_with("/me", &[("cookie", format!("theme=dark; __Host-at={token}"))]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["sub"], "user-1");

    let reply = app.get_with("/me", &[("cookie", "__Host-at=forged.token.here".to_owned())]).await;
    reply.assert_invalid_token();
    assert!(reply.challenge.unwrap().starts_with("Bearer realm=\"bank\""));

    // A header, even a bad one, is the token the request presents.
    let headers = [("cookie", format!("__Host-at={token}")), ("authorization", "Bearer a.b.c".to_owned())];
    app.get_with("/me", &headers).await.assert_invalid_token();
    assert_eq!(app.get_with("/me", &[("cookie", format!("other={token}"))]).await.status, 401);
}

#[tokio::test]
async fn a_missing_scope_is_403_insufficient_scope_naming_it() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    let reader = issuer.token();
    assert_eq!(app.get("/read", &reader).await.status, 200);
    for path in ["/write", "/write-helper"] {
        let reply = app.get(path, &reader).await;
        assert_eq!(reply.status, 403, "{path}");
        let challenge = reply.challenge.unwrap();
        assert!(challenge.starts_with(&format!("Bearer realm=\"{AUDIENCE}\"")), "{challenge}");
        assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
        assert!(challenge.contains("scope=\"bank:write\""), "{challenge}");
        assert_eq!(reply.body["error"], "insufficient_scope");
    }

    let mut claims = issuer.claims();
    claims["scope"] = json!("bank:read bank:write");
    let writer = issuer.sign(&claims);
    assert_eq!(app.get("/write", &writer).await.status, 200);
    assert_eq!(app.get("/write-helper", &writer).await.status, 200);

    // A scope is a whole token of the list, not a substring.
    claims["scope"] = json!("bank:writer xbank:write");
    assert_eq!(app.get("/write", &issuer.sign(&claims)).await.status, 403);
}
