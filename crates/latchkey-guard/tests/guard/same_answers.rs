//! The guard and the Latchkey server's own resources (`/userinfo`, `/account/sessions`)
//! answer the same bad request the same way (RFC 6750 §3, `latchkey_core::bearer`): the same
//! status, challenge and body for a missing or malformed token, the same status, error code
//! and challenge form for a bad one.

use latchkey_guard::{Guard, MAX_TOKEN_LEN};

use crate::latchkey::Latchkey;
use crate::protected::{Protected, Reply};
use latchkey_store::on_both_backends;

on_both_backends!(
    missing_and_malformed_requests_get_the_same_answer_as_from_latchkey,
    bad_tokens_get_the_same_answer_as_from_latchkey,
);

const SERVER_RESOURCES: [&str; 2] = ["/userinfo", "/account/sessions"];

/// A guard in front of a small app, with the server's realm so challenges can be compared.
async fn guarded(server: &Latchkey) -> Protected {
    let guard =
        Guard::builder().issuer(server.issuer.clone()).audience(server.issuer.clone()).realm("latchkey");
    Protected::start(guard.build().await.unwrap()).await
}

async fn from_latchkey(server: &Latchkey, path: &str, authorization: &[String]) -> Reply {
    let mut request = reqwest::Client::new().get(format!("{}{path}", server.issuer));
    for value in authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    Reply { status, challenge, body: response.json().await.unwrap() }
}

async fn from_guard(app: &Protected, authorization: &[String]) -> Reply {
    let headers: Vec<(&str, String)> = authorization.iter().map(|v| ("authorization", v.clone())).collect();
    app.get_with("/me", &headers).await
}

async fn missing_and_malformed_requests_get_the_same_answer_as_from_latchkey(server: Latchkey) {
    let app = guarded(&server).await;
    let oversized = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
    let cases: [Vec<String>; 5] = [
        vec![],
        vec!["Basic dXNlcjpwYXNz".into()],
        vec!["Bearer a.b.c".into(), "Bearer d.e.f".into()],
        vec!["Bearer ".into()],
        vec![oversized],
    ];
    for authorization in &cases {
        let guard = from_guard(&app, authorization).await;
        for path in SERVER_RESOURCES {
            let latchkey = from_latchkey(&server, path, authorization).await;
            let case = format!("{path} {authorization:.60?}");
            assert_eq!(guard.status, latchkey.status, "{case}");
            assert_eq!(guard.challenge, latchkey.challenge, "{case}");
            assert_eq!(guard.body, latchkey.body, "{case}");
        }
    }
    let missing = from_guard(&app, &[]).await;
    assert_eq!((missing.status, missing.challenge.as_deref()), (401, Some("Bearer realm=\"latchkey\"")));
    assert!(missing.body.get("error").is_none(), "{}", missing.body);
}

/// The descriptions differ (each side says what it checked); the rest is the same.
async fn bad_tokens_get_the_same_answer_as_from_latchkey(server: Latchkey) {
    let app = guarded(&server).await;
    let without_description = |reply: &Reply| {
        reply.challenge.as_deref().unwrap().split(", error_description=").next().unwrap().to_owned()
    };
    for token in ["not-a-jwt", "e30.e30.e30", "eyJhbGciOiJFUzI1NiJ9.@@@.x"] {
        let authorization = [format!("bEaReR {token}")];
        let guard = from_guard(&app, &authorization).await;
        guard.assert_invalid_token();
        for path in SERVER_RESOURCES {
            let latchkey = from_latchkey(&server, path, &authorization).await;
            assert_eq!(guard.status, latchkey.status, "{path} {token}");
            assert_eq!(guard.body["error"], latchkey.body["error"], "{path} {token}");
            assert_eq!(without_description(&guard), without_description(&latchkey), "{path} {token}");
            assert!(latchkey.challenge.unwrap().contains("error_description=\""), "{path} {token}");
        }
    }
}
