//! Step-up for large transfers (RFC 9470) through the SDK: a session whose sign-in is older
//! than the bank's maximum authentication age (5 minutes by default) still makes small
//! transfers, but a transfer above the threshold gets the guard's
//! `insufficient_user_authentication` challenge, which the SDK surfaces as
//! `ClientError::StepUpRequired` naming the `max_age` to ask for — without a refresh, which
//! would keep the old sign-in. After a fresh sign-in the same transfer passes.
//!
//! The bank's default requirement is by age only: today's Latchkey puts no `acr` in access
//! tokens, so a requirement by `acr` (configurable with `--step-up-acr`) is tested at the
//! guard (`latchkey-guard` tests/guard/step_up.rs).

use latchkey_bank::step_up::{DEFAULT_ABOVE, DEFAULT_MAX_AGE};
use latchkey_client::{AuthorizedClient, ClientError, StepUp};
use latchkey_store::on_both_backends;
use serde_json::json;

use crate::world::{wall_clock, World};

on_both_backends!(a_large_transfer_needs_a_recent_sign_in_and_a_small_one_does_not);

async fn transfer(w: &World, api: &AuthorizedClient, key: &str, amount: i64) -> Result<u16, ClientError> {
    let body = json!({ "to": "bob", "amount": amount });
    let request = api.post(w.url("/transfer")).header("idempotency-key", key).json(&body);
    api.send(request).await.map(|response| response.status().as_u16())
}

async fn a_large_transfer_needs_a_recent_sign_in_and_a_small_one_does_not(w: World) {
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
    match transfer(&w, &old, "large-1", large).await {
        Err(ClientError::StepUpRequired(asked)) => {
            assert_eq!(asked, StepUp { acr_values: None, max_age: Some(DEFAULT_MAX_AGE) });
        }
        other => panic!("expected the step-up challenge, got {other:?}"),
    }
    assert_eq!(w.refreshes().await.0, rotated_before, "a challenge is not answered with a refresh");
    assert_eq!(
        transfer(&w, &old, "small", DEFAULT_ABOVE).await.unwrap(),
        200,
        "at the threshold: no step-up"
    );

    let (fresh, _) = w.sdk("alice", "bank:read bank:write").await;
    assert_eq!(transfer(&w, &fresh, "large-1", large).await.unwrap(), 200, "the same operation, retried");
    assert_eq!(w.balance(&bob).await, DEFAULT_ABOVE + large, "one small and one large transfer arrived");
}
