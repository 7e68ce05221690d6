//! Multi-factor authentication over HTTP (docs/architecture.md, "Multi-factor
//! authentication"): a `required` client leads a new user through TOTP enrolment and asks
//! for the code afterwards; codes are single use, also across two servers on one database;
//! wrong codes are throttled; recovery codes work once; `acr_values` steps a session up (and
//! leads a user without a factor through enrolment); the
//! password grant cannot satisfy `required`; and `acr`/`amr`/`auth_time` travel in access
//! tokens, ID tokens, introspection and refreshes.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use latchkey_crypto::decode_unverified;
use latchkey_store::{on_both_backends, AuditFilter};
use serde_json::Value;

use crate::flow::{sign_in, Browser, Rp};
use crate::mfa_kit::{authorize_with_mfa, post_code};
use crate::testkit::{assert_oauth_error, TestServer, PASSWORD};

on_both_backends!(
    required_client_enrols_then_asks_for_the_code_and_tokens_say_mfa,
    a_code_is_accepted_once_also_by_a_second_server,
    wrong_codes_are_throttled_even_before_the_right_one,
    recovery_codes_work_once_and_are_audited,
    acr_values_steps_up_the_browser_session,
    acr_values_leads_a_user_without_a_factor_through_enrolment,
    password_grant_cannot_satisfy_required,
);

const MFA: &str = "urn:latchkey:acr:mfa";

fn payload(jwt: &str) -> Value {
    decode_unverified(jwt).unwrap().1
}

async fn required_rp(server: &TestServer, kind: ClientKind) -> Rp {
    Rp::register_with(server, kind, "openid", |spec| {
        spec.mfa = MfaPolicy::Required;
        spec.require_consent = false;
    })
    .await
}

async fn required_client_enrols_then_asks_for_the_code_and_tokens_say_mfa(server: TestServer) {
    let alice = server.add_user("alice", &[]).await;
    let rp = required_rp(&server, ClientKind::Confidential).await;
    let mut app = None;
    let signed_in_at = server.clock.now();
    let (params, codes) = authorize_with_mfa(&server, &mut Browser::new(&server), &rp, &[], &mut app).await;
    assert_eq!(codes.len(), 10, "recovery codes shown once at enrolment");
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    let (access, id) =
        (payload(tokens["access_token"].as_str().unwrap()), payload(tokens["id_token"].as_str().unwrap()));
    for claims in [&access, &id] {
        assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]), "{claims}");
        assert_eq!(claims["acr"], MFA);
        assert_eq!(claims["auth_time"], signed_in_at);
    }

    // The secret is sealed in the database: neither its bytes nor its base32 appear.
    let factor = server.store.totp_factor(&alice.id).await.unwrap().unwrap();
    let secret = app.as_ref().unwrap();
    assert!(factor.confirmed_at.is_some());
    assert!(!factor.sealed_secret.windows(secret.as_bytes().len()).any(|w| w == secret.as_bytes()));
    assert!(!String::from_utf8_lossy(&factor.sealed_secret).contains(&secret.base32()));

    // Introspection and the refresh keep what the sign-in said.
    server.clock.advance(60);
    let secret_of_rp = rp.secret.clone().unwrap();
    let form = |token: &str| {
        [
            ("token", token.to_owned()),
            ("client_id", rp.client_id.clone()),
            ("client_secret", secret_of_rp.clone()),
        ]
    };
    let refreshed: Value = server
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ("client_id", &rp.client_id),
                ("client_secret", &secret_of_rp),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let after = payload(refreshed["access_token"].as_str().unwrap());
    assert_eq!(
        (&after["acr"], &after["amr"], &after["auth_time"]),
        (&access["acr"], &access["amr"], &access["auth_time"])
    );
    for token in [refreshed["access_token"].as_str().unwrap(), refreshed["refresh_token"].as_str().unwrap()] {
        let form = form(token);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let info: Value = server.post_form("/introspect", &pairs).await.json().await.unwrap();
        assert_eq!(info["active"], true, "{info}");
        assert_eq!(
            (&info["acr"], &info["amr"], &info["auth_time"]),
            (&access["acr"], &access["amr"], &access["auth_time"])
        );
    }

    // A new browser: the password, then the code (not enrolment again).
    server.clock.advance(30);
    let (params, codes) = authorize_with_mfa(&server, &mut Browser::new(&server), &rp, &[], &mut app).await;
    assert!(codes.is_empty());
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    assert_eq!(payload(tokens["access_token"].as_str().unwrap())["acr"], MFA);
}

/// Signs alice in on a fresh browser up to the second-factor page; returns it.
async fn at_second_factor(server: &TestServer, rp: &Rp) -> (Browser, String) {
    let mut browser = Browser::new(server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let next = crate::flow::location(&response);
    let page = browser.get(&next).await.text().await.unwrap();
    assert!(page.contains("action=\"/login/second-factor\""), "{page}");
    (browser, page)
}

/// alice with an authenticator enrolled through a `required` client.
async fn enrolled_alice(server: &TestServer) -> (Rp, latchkey_crypto::totp::TotpSecret, Vec<String>) {
    server.add_user("alice", &[]).await;
    let rp = required_rp(server, ClientKind::Public).await;
    let mut app = None;
    let (_, codes) = authorize_with_mfa(server, &mut Browser::new(server), &rp, &[], &mut app).await;
    server.clock.advance(30);
    (rp, app.unwrap(), codes)
}

async fn a_code_is_accepted_once_also_by_a_second_server(server: TestServer) {
    let (rp, app, _) = enrolled_alice(&server).await;
    let beside = server.latchkey.start_beside(server.store.clone(), server.clock.clone()).await.unwrap();
    let code = app.code_at(server.clock.now());

    let (mut first, page) = at_second_factor(&server, &rp).await;
    assert_eq!(post_code(&mut first, &page, &code).await.status(), 303, "first use accepted");

    // The same code, on the other server of the deployment: refused.
    let (mut second, page) = at_second_factor(&server, &rp).await;
    second.base = beside.issuer.clone();
    let refused = post_code(&mut second, &page, &code).await;
    assert_eq!(refused.status(), 401, "a replayed code is refused by the other process too");
    assert!(refused.text().await.unwrap().contains("not valid"));
}

async fn wrong_codes_are_throttled_even_before_the_right_one(server: TestServer) {
    let (rp, app, _) = enrolled_alice(&server).await;
    let (mut browser, page) = at_second_factor(&server, &rp).await;
    let right = app.code_at(server.clock.now());
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for _ in 0..6 {
        assert_eq!(post_code(&mut browser, &page, wrong).await.status(), 401);
    }
    assert_eq!(post_code(&mut browser, &page, &right).await.status(), 401, "throttled: right code refused");
    server.clock.advance(3_600);
    let (mut browser, page) = at_second_factor(&server, &rp).await;
    let right = app.code_at(server.clock.now());
    assert_eq!(post_code(&mut browser, &page, &right).await.status(), 303, "after the wait it works");
}

async fn recovery_codes_work_once_and_are_audited(server: TestServer) {
    let (rp, _, codes) = enrolled_alice(&server).await;
    let (mut browser, page) = at_second_factor(&server, &rp).await;
    assert_eq!(post_code(&mut browser, &page, &codes[3].to_uppercase()).await.status(), 303);
    let (mut browser, page) = at_second_factor(&server, &rp).await;
    assert_eq!(post_code(&mut browser, &page, &codes[3]).await.status(), 401, "a recovery code works once");
    let filter = AuditFilter { kind: Some("recovery_code_used".into()), ..AuditFilter::default() };
    let events = server.store.find_audit_events(&filter, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1.detail.as_deref(), Some("left=9"));
}

async fn acr_values_steps_up_the_browser_session(server: TestServer) {
    let (_, app, _) = enrolled_alice(&server).await;
    let rp =
        Rp::register_with(&server, ClientKind::Public, "openid", |spec| spec.require_consent = false).await;
    // An `off` client: the password alone.
    let mut browser = Browser::new(&server);
    let mut no_app = None;
    let (params, _) = authorize_with_mfa(&server, &mut browser, &rp, &[], &mut no_app).await;
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    let id = payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(
        (id["acr"].as_str().unwrap(), &id["amr"]),
        ("urn:latchkey:acr:sfa", &serde_json::json!(["pwd"]))
    );

    // The same browser session, asked for the multi-factor class: the code, no password.
    server.clock.advance(100);
    let mut app = Some(app);
    let (params, _) = authorize_with_mfa(&server, &mut browser, &rp, &[("acr_values", MFA)], &mut app).await;
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    let id = payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["acr"], MFA);
    assert_eq!(id["auth_time"], server.clock.now(), "the step-up is the session's new auth_time");
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
}

/// What a resource server's step-up (RFC 9470) sends to an `off` client's sign-in: the
/// multi-factor class, for a user who has no factor yet — enrolment, then tokens that say so.
async fn acr_values_leads_a_user_without_a_factor_through_enrolment(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp =
        Rp::register_with(&server, ClientKind::Public, "openid", |spec| spec.require_consent = false).await;
    let mut app = None;
    let mut browser = Browser::new(&server);
    let (params, codes) =
        authorize_with_mfa(&server, &mut browser, &rp, &[("acr_values", MFA)], &mut app).await;
    assert_eq!(codes.len(), 10, "enrolled on the way");
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    let access = payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(
        (&access["acr"], &access["amr"]),
        (&serde_json::json!(MFA), &serde_json::json!(["pwd", "otp", "mfa"]))
    );
}

async fn password_grant_cannot_satisfy_required(server: TestServer) {
    server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client_with(ClientKind::Public, &[GrantType::Password], "profile", |spec| {
            spec.mfa = MfaPolicy::Required
        })
        .await;
    let body =
        assert_oauth_error(server.password_login(&client_id, "alice", PASSWORD).await, 400, "invalid_grant")
            .await;
    assert!(body["error_description"].as_str().unwrap().contains("browser"), "{body}");
}
