//! RFC 6750 at the server's own resources (`/userinfo`, `/account/*`): the same answers, byte
//! for byte, as `latchkey-guard` gives a resource server (its tests compare the two).

use serde_json::Value;

use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    no_credentials_get_a_bare_challenge_and_no_error_code,
    malformed_bearer_requests_are_invalid_request,
    bad_tokens_are_invalid_token_with_a_described_challenge,
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
