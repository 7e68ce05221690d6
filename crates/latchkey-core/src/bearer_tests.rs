//! Tests of `bearer.rs`: token extraction, statuses, bodies and challenges.
#![allow(clippy::unwrap_used)]
use super::*;

fn token(values: &[&'static str]) -> Result<Option<&'static str>, BearerError> {
    token_from_authorization(values.iter().map(|value| value.as_bytes()))
}

#[test]
fn scheme_is_case_insensitive_and_other_schemes_are_no_token() {
    assert_eq!(token(&["bEaReR  a.b.c"]), Ok(Some("a.b.c")));
    assert_eq!(token(&["Basic dTpw"]), Err(BearerError::MissingToken));
    assert_eq!(token(&["Bearer"]), Err(BearerError::InvalidRequest("the bearer token is empty".into())));
    assert_eq!(token(&[]), Ok(None));
}

#[test]
fn dpop_scheme_is_found_and_challenged_with_its_algorithms() {
    let found = credentials_from_authorization([b"dpop a.b.c".as_slice()]);
    assert_eq!(found, Ok(Some((Scheme::Dpop, "a.b.c"))));
    assert_eq!(token(&["DPoP a.b.c"]), Err(BearerError::MissingToken), "not a bearer token");
    let error = BearerError::InvalidDpopProof("the proof is too old".into());
    assert_eq!(error.status(), 401);
    assert_eq!(
        error.challenge_for(Scheme::Dpop, None, Some("ES256 EdDSA")),
        "DPoP algs=\"ES256 EdDSA\", error=\"invalid_dpop_proof\", error_description=\"the proof is too old\""
    );
    assert_eq!(
        BearerError::MissingToken.challenge_for(Scheme::Dpop, None, Some("ES256")),
        "DPoP algs=\"ES256\""
    );
}

#[test]
fn two_authorization_headers_are_a_bad_request() {
    assert!(matches!(token(&["Bearer a", "Bearer b"]), Err(BearerError::InvalidRequest(_))));
}

#[test]
fn oversized_empty_and_binary_tokens_are_bad_requests() {
    let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
    assert_eq!(token_from_authorization([long.as_bytes()]), Err(BearerError::too_large()));
    assert!(matches!(token(&["Bearer "]), Err(BearerError::InvalidRequest(_))));
    let binary: &[u8] = b"Bearer \xff\xfe";
    assert!(matches!(token_from_authorization([binary]), Err(BearerError::InvalidRequest(_))));
}

const FORM: Option<&str> = Some("application/x-www-form-urlencoded; charset=UTF-8");

#[test]
fn a_form_body_carries_the_token_only_as_a_single_part_form() {
    assert_eq!(token_from_form_body(FORM, b"access_token=a.b.c&x=1"), Ok(Some("a.b.c".into())));
    assert_eq!(token_from_form_body(Some("application/json"), b"access_token=a.b.c"), Ok(None));
    assert_eq!(token_from_form_body(Some("multipart/form-data; boundary=x"), b"access_token=a"), Ok(None));
    assert_eq!(token_from_form_body(None, b"access_token=a.b.c"), Ok(None));
    assert_eq!(token_from_form_body(FORM, b"access_token="), Ok(None));
    assert!(matches!(
        token_from_form_body(FORM, b"access_token=a&access_token=b"),
        Err(BearerError::InvalidRequest(_))
    ));
    let long = format!("access_token={}", "a".repeat(MAX_TOKEN_LEN + 1));
    assert_eq!(token_from_form_body(FORM, long.as_bytes()), Err(BearerError::too_large()));
}

#[test]
fn header_and_body_together_are_two_methods() {
    let both = token_from_header_or_form([&b"Bearer a.b.c"[..]], FORM, b"access_token=d.e.f");
    assert!(matches!(both, Err(BearerError::InvalidRequest(_))));
    assert_eq!(
        token_from_header_or_form([&b"Bearer a.b.c"[..]], FORM, b""),
        Ok((Scheme::Bearer, "a.b.c".into()))
    );
    assert_eq!(
        token_from_header_or_form([&b"DPoP a.b.c"[..]], FORM, b""),
        Ok((Scheme::Dpop, "a.b.c".into()))
    );
    assert_eq!(
        token_from_header_or_form([&b"Basic dTpw"[..]], FORM, b"access_token=t"),
        Ok((Scheme::Bearer, "t".into()))
    );
    assert_eq!(token_from_header_or_form([], FORM, b"x=1"), Err(BearerError::MissingToken));
}

#[test]
fn status_code_and_body_per_error() {
    assert_eq!(BearerError::MissingToken.status(), 401);
    assert_eq!(BearerError::MissingToken.body().get("error"), None);
    assert_eq!(BearerError::InvalidRequest("x".into()).status(), 400);
    assert_eq!(BearerError::InvalidToken("x".into()).body()["error"], "invalid_token");
    let scope = BearerError::InsufficientScope("openid".into());
    assert_eq!((scope.status(), scope.body()["error"].as_str()), (403, Some("insufficient_scope")));
}

#[test]
fn missing_token_gets_a_bare_challenge() {
    assert_eq!(BearerError::MissingToken.challenge(Some("api")), "Bearer realm=\"api\"");
    assert_eq!(BearerError::MissingToken.challenge(None), "Bearer");
}

#[test]
fn descriptions_cannot_break_out_of_the_quoted_string() {
    let error = BearerError::InvalidToken("no key \"a\\\"\r\nX-Evil: 1\" é".into());
    assert_eq!(
        error.challenge(Some("api")),
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"no key 'a''??X-Evil: 1' ?\""
    );
}

#[test]
fn the_realm_is_escaped_and_the_scope_named() {
    let error = BearerError::InsufficientScope("openid".into());
    assert_eq!(
        error.challenge(Some("a \"b\" \\ c\n")),
        "Bearer realm=\"a \\\"b\\\" \\\\ c?\", error=\"insufficient_scope\", \
         error_description=\"this resource needs the scope openid\", scope=\"openid\""
    );
}

#[test]
fn a_step_up_names_what_to_ask_for_in_challenge_and_body() {
    let error = BearerError::InsufficientUserAuthentication(StepUp {
        acr_values: Some("urn:latchkey:acr:mfa".into()),
        max_age: Some(300),
    });
    assert_eq!(error.status(), 401);
    assert_eq!(
        error.challenge(Some("bank")),
        "Bearer realm=\"bank\", error=\"insufficient_user_authentication\", error_description=\"this \
         operation needs a sign-in of class urn:latchkey:acr:mfa within the last 300 seconds\", \
         acr_values=\"urn:latchkey:acr:mfa\", max_age=\"300\""
    );
    let body = error.body();
    assert_eq!(
        (body["acr_values"].as_str(), body["max_age"].as_i64()),
        (Some("urn:latchkey:acr:mfa"), Some(300))
    );
    let age_only = BearerError::InsufficientUserAuthentication(StepUp { acr_values: None, max_age: Some(5) });
    assert_eq!(
        age_only.challenge_for(Scheme::Dpop, None, Some("ES256")),
        "DPoP algs=\"ES256\", error=\"insufficient_user_authentication\", error_description=\"this \
         operation needs a sign-in within the last 5 seconds\", max_age=\"5\""
    );
    assert!(age_only.body().get("acr_values").is_none());
}
