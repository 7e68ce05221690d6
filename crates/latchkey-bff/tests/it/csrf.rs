//! The CSRF matrix over HTTP, against a proxied API call and against sign-out, with a
//! signed-in browser's cookie on every request (what a cross-site page would ride on).

use latchkey_store::on_both_backends;
use reqwest::{Method, RequestBuilder};

use crate::testkit::{Harness, PUBLIC_URL};

on_both_backends!(csrf_matrix_refuses_everything_but_the_apps_own_scripts, no_cors_is_ever_granted);

type Shape = fn(RequestBuilder) -> RequestBuilder;

/// (what, request shape, expected status)
const MATRIX: &[(&str, Shape, u16)] = &[
    ("no CSRF header", |r| r.header("origin", PUBLIC_URL), 403),
    (
        "header, foreign Origin",
        |r| r.header("x-latchkey-csrf", "1").header("origin", "https://evil.example"),
        403,
    ),
    (
        "header, cross-site fetch metadata",
        |r| r.header("x-latchkey-csrf", "1").header("sec-fetch-site", "cross-site"),
        403,
    ),
    (
        "header, same-site fetch metadata",
        |r| r.header("x-latchkey-csrf", "1").header("sec-fetch-site", "same-site"),
        403,
    ),
    (
        "plain form post",
        |r| {
            r.header("origin", "https://evil.example")
                .header("sec-fetch-site", "cross-site")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("amount=1000&to=mallory")
        },
        403,
    ),
    (
        "sibling subdomain",
        |r| r.header("x-latchkey-csrf", "1").header("origin", "https://blog.bank.example"),
        403,
    ),
    (
        "scheme downgrade",
        |r| r.header("x-latchkey-csrf", "1").header("origin", "http://app.bank.example"),
        403,
    ),
    ("opaque origin", |r| r.header("x-latchkey-csrf", "1").header("origin", "null"), 403),
    ("header without any origin evidence", |r| r.header("x-latchkey-csrf", "1"), 403),
    ("header value other than 1", |r| r.header("x-latchkey-csrf", "yes").header("origin", PUBLIC_URL), 403),
    (
        "missing Origin, same-origin fetch metadata",
        |r| r.header("x-latchkey-csrf", "1").header("sec-fetch-site", "same-origin"),
        200,
    ),
    ("the app's own script", |r| r.header("x-latchkey-csrf", "1").header("origin", PUBLIC_URL), 200),
];

async fn csrf_matrix_refuses_everything_but_the_apps_own_scripts(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    for (path, method) in
        [("/api/transfer", Method::POST), ("/api/accounts", Method::GET), ("/bff/user", Method::GET)]
    {
        for (what, shape, expected) in MATRIX {
            let response =
                shape(browser.request(method.clone(), &format!("{PUBLIC_URL}{path}"))).send().await.unwrap();
            assert_eq!(response.status().as_u16(), *expected, "{what} on {path}");
            if *expected == 403 {
                assert_eq!(response.headers()["cache-control"], "no-store");
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["error"], "csrf", "{what}");
            }
        }
    }
    for (what, shape, expected) in MATRIX.iter().filter(|(_, _, status)| *status == 403) {
        let response =
            shape(browser.request(Method::POST, &format!("{PUBLIC_URL}/bff/logout"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), *expected, "{what} on logout");
    }
    let still = browser.api(Method::GET, "/bff/user").send().await.unwrap();
    assert_eq!(still.status(), 200, "no forged sign-out ended the session");
}

async fn no_cors_is_ever_granted(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    let preflight = browser
        .request(Method::OPTIONS, &format!("{PUBLIC_URL}/api/transfer"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-latchkey-csrf")
        .send()
        .await
        .unwrap();
    assert_ne!(preflight.status(), 200);
    let own = browser.api(Method::GET, "/api/accounts").send().await.unwrap();
    for response in [&preflight, &own] {
        assert!(
            response.headers().keys().all(|name| !name.as_str().starts_with("access-control-")),
            "{:?}",
            response.headers()
        );
    }
}
