//! The outbox and single-use links (docs/architecture.md, "E-mail delivery", "Account
//! recovery"): each e-mail claimed by one pool (process) at a time, released on failure,
//! claimable again after a crash; a link replaced by a newer one, used once, verified with the
//! address it was sent to.

use std::collections::HashSet;

use latchkey_store::testing::TestDatabase;
use latchkey_store::{AccountToken, AccountTokenStore, OutboxMail, OutboxStore, Transactional, UserStore};

use super::{new_user, seeded, NOW};

latchkey_store::on_both_backends!(
    outbox_claims_each_mail_once_across_pools,
    account_links_are_replaced_used_once_and_verify_the_address,
    email_change_links_change_the_address_once_unless_it_was_taken,
);

fn mail(id: &str) -> OutboxMail {
    OutboxMail {
        id: id.into(),
        recipient: "a@example.com".into(),
        sealed_message: "sealed".into(),
        attempts: 0,
    }
}

async fn outbox_claims_each_mail_once_across_pools(db: TestDatabase) {
    let (first, second) = (db.store().await, db.store().await);
    for i in 0..30 {
        first.enqueue_mail(&mail(&format!("m{i:02}")), NOW).await.unwrap();
    }
    let mut seen = HashSet::new();
    loop {
        let (a, b) = tokio::join!(first.claim_mail(NOW, NOW + 300, 4), second.claim_mail(NOW, NOW + 300, 4));
        let claimed: Vec<OutboxMail> = a.unwrap().into_iter().chain(b.unwrap()).collect();
        if claimed.is_empty() {
            break;
        }
        for mail in claimed {
            assert_eq!(mail.attempts, 1);
            assert!(seen.insert(mail.id.clone()), "{} claimed twice", mail.id);
        }
    }
    assert_eq!(seen.len(), 30);

    // Sent: gone. Failed: due again at its next attempt. Claimed by a process that died: due
    // again when the claim ends.
    first.mail_sent("m00").await.unwrap();
    first.mail_failed("m01", NOW + 10, "connection refused").await.unwrap();
    assert_eq!(first.outbox_len().await.unwrap(), 29);
    assert!(first.claim_mail(NOW + 9, NOW + 309, 50).await.unwrap().is_empty());
    let retried = second.claim_mail(NOW + 10, NOW + 310, 50).await.unwrap();
    assert_eq!(retried.iter().map(|m| (m.id.as_str(), m.attempts)).collect::<Vec<_>>(), [("m01", 2)]);
    let after_crash = first.claim_mail(NOW + 300, NOW + 600, 50).await.unwrap();
    assert_eq!(after_crash.len(), 28, "every claim that ended, not m01's");
}

fn link(hash: &str, purpose: &str, email: &str) -> AccountToken {
    AccountToken {
        user_id: "u1".into(),
        purpose: purpose.into(),
        token_hash: hash.into(),
        email: email.into(),
        password_mark: "mark".into(),
        created_at: NOW,
        expires_at: NOW + 3_600,
    }
}

async fn account_links_are_replaced_used_once_and_verify_the_address(db: TestDatabase) {
    let store = seeded(&db).await;
    let by_email = store.user_by_email("ALICE@Example.com").await.unwrap().unwrap();
    assert_eq!(by_email.id, "u1", "whatever the case");
    assert!(store.user_by_email("bob@example.com").await.unwrap().is_none());
    store.issue_account_token(&link("old", "password_reset", "a@example.com")).await.unwrap();
    store.issue_account_token(&link("new", "password_reset", "a@example.com")).await.unwrap();
    assert!(store.live_account_token("old", "password_reset", NOW).await.unwrap().is_none(), "replaced");
    assert!(store.live_account_token("new", "email_verification", NOW).await.unwrap().is_none(), "purpose");
    assert!(
        store.live_account_token("new", "password_reset", NOW + 3_600).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.live_account_token("new", "password_reset", NOW).await.unwrap().is_some());

    let mut a = store.begin().await.unwrap();
    assert!(a.consume_account_token("new", "password_reset", NOW).await.unwrap().is_some());
    a.commit().await.unwrap();
    let mut again = store.begin().await.unwrap();
    assert!(again.consume_account_token("new", "password_reset", NOW).await.unwrap().is_none(), "used once");
    drop(again);

    // A verification link verifies only the address it was sent to.
    let user = store.user_by_id("u1").await.unwrap().unwrap();
    assert!(!user.email_verified);
    store.issue_account_token(&link("v1", "email_verification", "other@example.com")).await.unwrap();
    assert!(store.verify_email("v1", NOW).await.unwrap().is_some());
    assert!(
        !store.user_by_id("u1").await.unwrap().unwrap().email_verified,
        "u1's e-mail is not that address"
    );
    assert!(store.verify_email("v1", NOW).await.unwrap().is_none(), "used once");
    store.issue_account_token(&link("v2", "email_verification", "Alice@example.com")).await.unwrap();
    assert!(store.verify_email("v2", NOW).await.unwrap().is_some());
    let user = store.user_by_id("u1").await.unwrap().unwrap();
    assert!(user.email_verified && !user.verification_required);
}

async fn email_change_links_change_the_address_once_unless_it_was_taken(db: TestDatabase) {
    let store = seeded(&db).await;
    let before = store.user_by_id("u1").await.unwrap().unwrap();
    store.issue_account_token(&link("c1", "email_change", "alice@new.example")).await.unwrap();
    // An e-mail change link is not a verification link, and the address waits for the link.
    assert!(store.verify_email("c1", NOW).await.unwrap().is_none());
    assert_eq!(store.user_by_email("alice@new.example").await.unwrap().map(|u| u.id), None);

    let change = store.change_email("c1", NOW + 1).await.unwrap().unwrap();
    assert!(change.changed);
    assert_eq!(change.previous_email.as_deref(), Some("alice@example.com"));
    let after = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(after.email.as_deref(), Some("alice@new.example"));
    assert!(after.email_verified && after.version == before.version + 1 && after.updated_at == NOW + 1);
    assert!(store.change_email("c1", NOW + 2).await.unwrap().is_none(), "used once");

    // Another account took the address meanwhile: the link is used up, nothing changes.
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store.issue_account_token(&link("c2", "email_change", "BOB@example.com")).await.unwrap();
    let refused = store.change_email("c2", NOW + 3).await.unwrap().unwrap();
    assert!(!refused.changed);
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().email.as_deref(), Some("alice@new.example"));
    assert!(store.change_email("c2", NOW + 4).await.unwrap().is_none());
}
