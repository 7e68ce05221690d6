//! Step-up for large transfers (RFC 9470) through the SDK: a session whose sign-in is older
//! than the bank's maximum authentication age (5 minutes by default) still makes small
//! transfers, but a transfer above the threshold gets the guard's
//! `insufficient_user_authentication` challenge, which the SDK surfaces as
//! `ClientError::StepUpRequired` naming the `acr_values` (a second factor, by default) and
//! `max_age` to ask for — without a refresh, which would keep the old sign-in. A fresh sign-in
//! with the password alone (a stolen password, re-entered) does not satisfy it: the password
//! grant never carries a second factor. The browser's step-up with one, after which the
//! transfer passes, is `tests/web.rs` (`e2e/bank-web.mjs`).

use latchkey_bank::step_up::{DEFAULT_ABOVE, DEFAULT_ACR, DEFAULT_MAX_AGE};
use latchkey_client::{AuthorizedClient, ClientError, StepUp};
use latchkey_store::on_both_backends;
use serde_json::json;

use crate::world::{wall_clock, World};

on_both_backends!(a_large_transfer_needs_a_recent_second_factor_and_a_small_one_does_not);

async fn transfer(w: &World, api: &AuthorizedClient, key: &str, amount: i64) -> Result<u16, ClientError> {
    let body = json!({ "to": "bob", "amount": amount });
    let request = api.post(w.url("/transfer")).header("idempotency-key", key).json(&body);
    api.send(request).await.map(|response| response.status().as_u16())
}

async fn a_large_transfer_needs_a_recent_second_factor_and_a_small_one_does_not(w: World) {
    let (bob, _) = w.sdk("bob", "bank:read").await;
    assert_eq!(w.balance(&bob).await, 0, "bob's account opens");
    // Alice signed in ten minutes ago; her session has been refreshed since.
    w.clock.set(wall_clock() - 600);
    let (old, tokens) = w.sdk("alice", "bank:read bank:write").await;
    w.clock.set(wall_clock());
    let stale = tokens.access_token().await.unwrap();
    tokens.on_unauthorized(&stale).await.unwrap();
    assert_eq!(w.write(&old, "/deposit", "d1", json!({ "amount": 10 * DEFAULT_ABOVE })).await.0, 200);
    let (rotated_before, _) = w.refreshes().await;

    let large = DEFAULT_ABOVE + 1;
    let asked = StepUp { acr_values: Some(DEFAULT_ACR.to_owned()), max_age: Some(DEFAULT_MAX_AGE) };
    match transfer(&w, &old, "large-1", large).await {
        Err(ClientError::StepUpRequired(challenge)) => assert_eq!(challenge, asked),
        other => panic!("expected the step-up challenge, got {other:?}"),
    }
    assert_eq!(w.refreshes().await.0, rotated_before, "a challenge is not answered with a refresh");
    assert_eq!(
        transfer(&w, &old, "small", DEFAULT_ABOVE).await.unwrap(),
        200,
        "at the threshold: no step-up"
    );

    // The password again, just now: recent, but one factor.
    let (fresh, _) = w.sdk("alice", "bank:read bank:write").await;
    match transfer(&w, &fresh, "large-1", large).await {
        Err(ClientError::StepUpRequired(challenge)) => assert_eq!(challenge, asked),
        other => panic!("a password alone must not step up, got {other:?}"),
    }
    assert_eq!(w.balance(&bob).await, DEFAULT_ABOVE, "only the small transfer arrived");
}
