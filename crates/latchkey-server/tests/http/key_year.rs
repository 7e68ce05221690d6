//! A simulated year of automatic rotation through the real store, on both backends, with the
//! default schedule and an injected clock: at every step the server signs an access token
//! and an ID token, and every token issued so far verifies, for its whole lifetime, against
//! the JWKS a resource server fetched one step earlier (older than any `max-age`); no key
//! signs before it was published for `key_publish_lead`.

use std::collections::HashMap;

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_crypto::{verify_jwt, KeySet};
use latchkey_server::keys::{self, SigningKeys};
use latchkey_store::on_both_backends;
use serde_json::{json, Value};

use crate::testkit::{TestServer, START};

on_both_backends!(a_simulated_year_on_the_store_never_breaks_a_token_nor_signs_unpublished);

const HOUR: i64 = 3600;
/// One step: longer than the JWKS `max-age`, so the resource server's copy is always stale.
const STEP: i64 = 4 * HOUR;
/// A client's access-token lifetime, longer than a step and than the default.
const ACCESS_TTL: i64 = 6 * HOUR;

async fn published(server: &TestServer) -> KeySet {
    let records = server.store.signing_keys().await.unwrap();
    KeySet::from_jwks(&keys::jwks(&records).unwrap()).0
}

async fn a_simulated_year_on_the_store_never_breaks_a_token_nor_signs_unpublished(server: TestServer) {
    server
        .add_client_with(ClientKind::Public, &[GrantType::Password], "", |c| {
            c.access_token_ttl = Some(ACCESS_TTL)
        })
        .await;
    let (store, master, config) = (server.store.as_ref(), &server.latchkey.master, &server.latchkey.config);
    let lead = i64::try_from(config.key_publish_lead.as_secs()).unwrap();
    let id_token_life = i64::try_from(config.id_token_grace.as_secs()).unwrap();
    let bootstrap: Vec<String> = published(&server).await.kids().map(str::to_owned).collect();
    let mut first_published: HashMap<String, i64> =
        bootstrap.iter().map(|kid| (kid.clone(), START)).collect();
    let mut resource_server = published(&server).await;
    // Per signing key, its latest token and when that token expires.
    let mut latest: HashMap<String, (String, i64)> = HashMap::new();
    let (mut signers, mut verified) = (std::collections::BTreeSet::new(), 0);

    let mut now = START;
    while now < START + 365 * 24 * HOUR {
        now += STEP;
        let keys = SigningKeys::load(store, master, config, now).await.unwrap();
        // What the JWKS publishes now: the process's verifiers are the published keys.
        let jwks = (*keys.verifiers()).clone();
        for kid in jwks.kids() {
            first_published.entry(kid.to_owned()).or_insert(now);
        }
        for (signer, life) in
            [(keys.access_token_signer(), ACCESS_TTL), (keys.id_token_signer(), id_token_life)]
        {
            let kid = signer.kid().to_owned();
            if !bootstrap.contains(&kid) {
                let ahead = now - first_published[&kid];
                assert!(ahead >= lead, "{kid} signs {ahead} s after it was published");
            }
            signers.insert(kid.clone());
            let token = signer.sign_jwt("JWT", &json!({ "iat": now, "exp": now + life })).unwrap();
            latest.insert(kid, (token, now + life));
        }
        latest.retain(|_, (_, expires_at)| *expires_at > now);
        for (kid, (token, expires_at)) in &latest {
            let outcome = verify_jwt::<Value>(token, &resource_server);
            assert!(
                outcome.is_ok(),
                "at +{} h a token of {kid} (valid until {expires_at}) fails: {:?}",
                (now - START) / HOUR,
                outcome.err()
            );
            verified += 1;
        }
        resource_server = jwks;
    }
    assert!(signers.len() >= 24, "twelve rotations a year per purpose: {} signers", signers.len());
    assert!(verified > 4000, "{verified} verifications");
    let rows = store.signing_keys().await.unwrap().len();
    assert!(rows <= 10, "old keys are deleted: {rows} rows");
}
