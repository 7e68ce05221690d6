//! Malformed requests get a clear 4xx OAuth error, never a 500 and never a panic.

use latchkey_server::MAX_BODY_BYTES;

use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    wrong_content_type_is_invalid_request,
    repeated_parameter_is_invalid_request,
    unknown_grant_type_is_unsupported,
    oversized_body_is_413,
    non_utf8_body_is_invalid_request,
    empty_body_is_invalid_request,
);

async fn post_raw(server: &TestServer, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    server
        .http
        .post(server.url("/token"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

const FORM: &str = "application/x-www-form-urlencoded";

async fn wrong_content_type_is_invalid_request(server: TestServer) {
    let response = post_raw(&server, "application/json", br#"{"grant_type":"password"}"#.to_vec()).await;
    let body = assert_oauth_error(response, 400, "invalid_request").await;
    assert!(body["error_description"].as_str().unwrap().contains("x-www-form-urlencoded"));
}

async fn repeated_parameter_is_invalid_request(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let body = format!("grant_type=password&client_id={client_id}&username=alice&username=bob&password=x");
    let response = post_raw(&server, FORM, body.into_bytes()).await;
    let body = assert_oauth_error(response, 400, "invalid_request").await;
    assert!(body["error_description"].as_str().unwrap().contains("username"));
}

async fn unknown_grant_type_is_unsupported(server: TestServer) {
    let response = post_raw(&server, FORM, b"grant_type=implicit&client_id=x".to_vec()).await;
    assert_oauth_error(response, 400, "unsupported_grant_type").await;
}

async fn oversized_body_is_413(server: TestServer) {
    let body = format!("grant_type=password&username={}", "a".repeat(MAX_BODY_BYTES + 1));
    let response = post_raw(&server, FORM, body.into_bytes()).await;
    assert_oauth_error(response, 413, "invalid_request").await;
}

async fn non_utf8_body_is_invalid_request(server: TestServer) {
    let response =
        post_raw(&server, FORM, b"grant_type=password&username=%FF%FE&password=\xff".to_vec()).await;
    let body = assert_oauth_error(response, 400, "invalid_request").await;
    assert!(body["error_description"].as_str().unwrap().contains("UTF-8"));
}

async fn empty_body_is_invalid_request(server: TestServer) {
    let response = post_raw(&server, FORM, Vec::new()).await;
    let body = assert_oauth_error(response, 400, "invalid_request").await;
    assert!(body["error_description"].as_str().unwrap().contains("grant_type"));
}
