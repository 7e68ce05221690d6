//! RFC 6749 §4.1.2.1 and §5.2: `error_description` keeps to `%x20-21 / %x23-5B / %x5D-7E`
//! and never repeats what the request sent, on the error redirect and in JSON alike.

use crate::flow::{location, query_of, Browser, Rp, REDIRECT_URI};
use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    an_injected_response_type_is_not_reflected_in_the_redirect,
    json_descriptions_are_ascii_and_echo_nothing,
);

fn assert_allowed(description: &str) {
    let allowed = |b: u8| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E);
    assert!(description.bytes().all(allowed), "{description:?}");
}

async fn an_injected_response_type_is_not_reflected_in_the_redirect(server: TestServer) {
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "<script>alert(1)</script>")
        .append_pair("client_id", &rp.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("state", "s")
        .finish();
    let response = browser.get(&format!("/authorize?{query}")).await;
    assert_eq!(response.status(), 303);
    let params = query_of(&location(&response));
    assert_eq!(params["error"], "unsupported_response_type");
    let description = &params["error_description"];
    assert!(!description.contains("script") && !description.contains('<'), "{description}");
    assert_allowed(description);
}

async fn json_descriptions_are_ascii_and_echo_nothing(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        // A scope token with a character RFC 6749 §3.3 forbids (non-ASCII).
        (
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "x"),
                ("scope", "caf\u{e9}<b>"),
            ],
            "invalid_scope",
        ),
        (&[("grant_type", "urn:\u{e9}vil<script>")], "unsupported_grant_type"),
        // A description that once cited "§" (non-ASCII) itself.
        (&[("grant_type", "password"), ("scope", "a"), ("scope", "b")], "invalid_request"),
    ];
    for (form, code) in cases {
        let mut form = form.to_vec();
        form.push(("client_id", &client_id));
        let body = assert_oauth_error(server.post_form("/token", &form).await, 400, code).await;
        let description = body["error_description"].as_str().unwrap();
        assert!(!description.contains("caf") && !description.contains("script"), "{description}");
        assert_allowed(description);
    }
}
