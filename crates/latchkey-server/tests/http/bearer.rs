//! RFC 6750 at the server's own resources (`/userinfo`, `/account/*`): the same answers, byte
//! for byte, as `latchkey-guard` gives a resource server (its tests compare the two).

use serde_json::Value;

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;

use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    no_credentials_get_a_bare_challenge_and_no_error_code,
    malformed_bearer_requests_are_invalid_request,
    bad_tokens_are_invalid_token_with_a_described_challenge,
    userinfo_takes_the_token_from_a_form_body,
    userinfo_refuses_a_token_sent_two_ways,
);

const RESOURCES: [&str; 2] = ["/userinfo", "/account/sessions"];

struct Answer {
    status: u16,
    challenge: String,
    cache_control: String,
    body: Value,
}

async fn get(server: &TestServer, path: &str, authorization: &[&str]) -> Answer {
    let mut request = server.http.get(server.url(path));
    for value in authorization {
        request = request.header("authorization", *value);
    }
    let response = request.send().await.unwrap();
    let header =
        |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (challenge, cache_control) = (header("www-authenticate"), header("cache-control"));
    Answer {
        status: response.status().as_u16(),
        challenge,
        cache_control,
        body: response.json().await.unwrap(),
    }
}

/// RFC 6750 §3.1: "If the request lacks any authentication information (..., or attempted
/// using an unsupported authentication method), the resource server SHOULD NOT include an
/// error code or other error information."
async fn no_credentials_get_a_bare_challenge_and_no_error_code(server: TestServer) {
    for path in RESOURCES {
        for authorization in [&[][..], &["Basic dXNlcjpwYXNz"]] {
            let answer = get(&server, path, authorization).await;
            assert_eq!(answer.status, 401, "{path} {authorization:?}");
            assert_eq!(answer.challenge, "Bearer realm=\"latchkey\"", "{path} {authorization:?}");
            assert!(answer.body.get("error").is_none(), "{path} {authorization:?}: {}", answer.body);
            assert_eq!(answer.cache_control, "no-store");
        }
    }
}

async fn malformed_bearer_requests_are_invalid_request(server: TestServer) {
    let oversized = format!("Bearer {}", "a".repeat(latchkey_core::bearer::MAX_TOKEN_LEN + 1));
    let cases: [&[&str]; 3] = [&["Bearer a.b.c", "Bearer d.e.f"], &["Bearer "], &[&oversized]];
    for path in RESOURCES {
        for authorization in cases {
            let answer = get(&server, path, authorization).await;
            assert_eq!(answer.status, 400, "{path} {authorization:.40?}");
            assert_eq!(answer.body["error"], "invalid_request", "{path}");
            assert!(
                answer.challenge.starts_with("Bearer realm=\"latchkey\", error=\"invalid_request\""),
                "{path}: {}",
                answer.challenge
            );
        }
    }
}

async fn bad_tokens_are_invalid_token_with_a_described_challenge(server: TestServer) {
    for path in RESOURCES {
        for authorization in ["Bearer not-a-jwt", "bearer e30.e30.e30"] {
            let answer = get(&server, path, &[authorization]).await;
            assert_eq!(answer.status, 401, "{path} {authorization}");
            assert_eq!(answer.body["error"], "invalid_token");
            let description = answer.body["error_description"].as_str().unwrap();
            assert_eq!(
                answer.challenge,
                format!(
                    "Bearer realm=\"latchkey\", error=\"invalid_token\", error_description=\"{description}\""
                )
            );
        }
    }
}

/// An access token with `openid profile` for alice, from the password grant.
async fn openid_token(server: &TestServer) -> String {
    server.add_user("alice", &[]).await;
    let (client_id, _) =
        server.add_client(ClientKind::Public, &[GrantType::Password], "openid profile").await;
    let form = [
        ("grant_type", "password"),
        ("client_id", client_id.as_str()),
        ("username", "alice"),
        ("password", PASSWORD),
        ("scope", "openid profile"),
    ];
    let body: Value = server.post_form("/token", &form).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// RFC 6750 §2.2: a single-part `application/x-www-form-urlencoded` POST body with
/// `access_token` is a way to send the token; any other body, or a GET, carries none.
async fn userinfo_takes_the_token_from_a_form_body(server: TestServer) {
    let token = openid_token(&server).await;
    let response = server.post_form("/userinfo", &[("access_token", token.as_str())]).await;
    assert_eq!(response.status(), 200);
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["preferred_username"], "alice");

    let as_json =
        server.http.post(server.url("/userinfo")).json(&serde_json::json!({ "access_token": token }));
    let multipart = server
        .http
        .post(server.url("/userinfo"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(format!(
            "--x\r\ncontent-disposition: form-data; name=\"access_token\"\r\n\r\n{token}\r\n--x--\r\n"
        ));
    let in_query = server.http.post(server.url(&format!("/userinfo?access_token={token}")));
    for request in [as_json, multipart, in_query] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"latchkey\"");
    }
    let response = server.http.get(server.url("/userinfo")).form(&[("access_token", token.as_str())]).send();
    assert_eq!(response.await.unwrap().status(), 401, "GET has no body token (RFC 6750 section 2.2)");
}

/// RFC 6750 §3.1: more than one method for the token is `invalid_request`, even when both
/// carry the same valid token; a malformed form body is one too.
async fn userinfo_refuses_a_token_sent_two_ways(server: TestServer) {
    let token = openid_token(&server).await;
    let both =
        server.http.post(server.url("/userinfo")).bearer_auth(&token).form(&[("access_token", &token)]);
    let repeated =
        server.http.post(server.url("/userinfo")).form(&[("access_token", &token), ("access_token", &token)]);
    for request in [both, repeated] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer realm=\"latchkey\", error=\"invalid_request\""), "{challenge}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
    }
    let basic_and_form = server
        .http
        .post(server.url("/userinfo"))
        .basic_auth("u", Some("p"))
        .form(&[("access_token", &token)]);
    assert_eq!(basic_and_form.send().await.unwrap().status(), 200, "Basic is not a bearer method");
}
