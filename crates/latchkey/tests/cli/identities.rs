//! Native-app settings of `latchkey providers add` (`--native-client-id`, `--nonce-hashing`),
//! and a user's linked sign-in methods: `latchkey users identities` and `users unlink`, which
//! never removes the last way to sign in. Both backends.

use latchkey_store::{
    on_both_backends, FederatedIdentity, NativeExchangeStore, SqlStore, Transactional, UserStore,
};

use crate::{Env, PASSWORD};

on_both_backends!(
    blocking;
    native_provider_settings_and_user_identities,
);

fn native_provider_settings_and_user_identities(env: Env) {
    let added = env.run_ok_json(
        &[
            "providers",
            "add",
            "apple",
            "--preset",
            "apple",
            "--client-id",
            "com.example.bank.web",
            "--client-secret-stdin",
            "--native-client-id",
            "com.example.bank",
            "--nonce-hashing",
            "sha256",
            "--json",
        ],
        "apple-secret\n",
    );
    assert_eq!(added["native_client_ids"], serde_json::json!(["com.example.bank"]));
    let bad = env.run(
        &[
            "providers",
            "add",
            "g",
            "--preset",
            "google",
            "--client-id",
            "x",
            "--client-secret-stdin",
            "--nonce-hashing",
            "md5",
        ],
        "s\n",
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("raw or sha256"));

    env.run_ok_json(&["users", "add", "alice", "--password-stdin", "--json"], &format!("{PASSWORD}\n"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SqlStore::connect(&env.database_url()).await.unwrap();
        assert_eq!(store.provider_nonce_hashing("apple").await.unwrap().as_deref(), Some("sha256"));
        let alice = store.user_by_username("alice").await.unwrap().unwrap();
        let mut work = store.begin().await.unwrap();
        let identity = FederatedIdentity {
            provider: "apple".into(),
            subject: "001234.abcd".into(),
            user_id: alice.id,
            email: None,
            linked_at: 1_800_000_000,
            last_login_at: 1_800_000_100,
        };
        work.link_federated_identity(&identity).await.unwrap();
        work.commit().await.unwrap();
    });
    let methods = env.run_ok_json(&["users", "identities", "alice", "--json"], "");
    assert_eq!(methods["password"], true);
    assert_eq!(methods["identities"][0]["provider"], "apple");
    assert_eq!(methods["identities"][0]["last_used_at"], 1_800_000_100);
    let unlinked = env.run(&["users", "unlink", "alice", "apple"], "");
    assert!(unlinked.status.success(), "{}", String::from_utf8_lossy(&unlinked.stderr));
    let again = env.run(&["users", "unlink", "alice", "apple"], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no identity"));
    assert!(env.run_ok_json(&["users", "identities", "alice", "--json"], "")["identities"]
        .as_array()
        .unwrap()
        .is_empty());
}
