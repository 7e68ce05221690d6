//! A real Latchkey server in process, on a free port, over a fresh SQLite database (or a
//! PostgreSQL schema when LATCHKEY_TEST_POSTGRES_URL is set), with the system clock — the
//! guard and the interop servers check expiry against the real time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;
use latchkey_core::key_rotation::KeyPurpose;
use latchkey_core::scope::Scope;
use latchkey_server::admin::NewClient;
use latchkey_server::keys;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_server::Config;
use latchkey_store::testing::{Fixture, TestDatabase};
use latchkey_store::Store;
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

/// A running server with a public app client (password + refresh grants, bank scopes), a
/// confidential resource-server client (for the feed and introspection) and a user alice.
pub struct Latchkey {
    pub issuer: String,
    pub app_client: String,
    pub resource_server: (String, String),
    http: reqwest::Client,
    latchkey: TestLatchkey,
    _db: TestDatabase,
}

impl Fixture for Latchkey {
    async fn on(db: TestDatabase) -> Self {
        let store: Arc<dyn Store> = Arc::new(db.store().await);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // Reloads its keys often, so a rotation or revocation shows at once.
        let config = Config { key_reload_interval: Duration::from_millis(300), ..test_config() };
        let latchkey = TestLatchkey::start(store, clock.clone(), config).await.unwrap();
        let now = clock.now();
        latchkey.add_user("alice", &["customer"], PASSWORD, now).await.unwrap();
        let scope = |s: &str| Scope::parse(s).unwrap();
        let grants = [GrantType::Password, GrantType::RefreshToken];
        let app_spec =
            NewClient::new("guard test", ClientKind::Public, &grants, scope("profile bank:read bank:write"));
        let (app_client, _) = latchkey.add_client(app_spec, now).await.unwrap();
        let rs_spec = NewClient::new(
            "guard test",
            ClientKind::Confidential,
            &[GrantType::ClientCredentials],
            scope(""),
        );
        let (rs_client, rs_secret) = latchkey.add_client(rs_spec, now).await.unwrap();
        Self {
            issuer: latchkey.issuer.clone(),
            app_client: app_client.registration.id,
            resource_server: (rs_client.registration.id, rs_secret.unwrap()),
            http: reqwest::Client::new(),
            latchkey,
            _db: db,
        }
    }
}

impl Latchkey {
    /// Alice logs in with the password grant; returns the token response.
    pub async fn login(&self) -> Value {
        let form = [
            ("grant_type", "password"),
            ("client_id", self.app_client.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ];
        let response = self.http.post(format!("{}/token", self.issuer)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// `latchkey keys rotate`: the next keys are published, signing after the lead.
    pub async fn schedule_rotation(&self) {
        let l = &self.latchkey;
        keys::rotate(l.store.as_ref(), &l.master, &l.config, SystemClock.now(), false).await.unwrap();
    }

    /// `latchkey keys rotate --now` (the scheduled next key, if any, signs at once), then
    /// waits until the server signs with the new key; returns its kid.
    pub async fn rotate_now(&self) -> String {
        let l = &self.latchkey;
        let rotated =
            keys::rotate(l.store.as_ref(), &l.master, &l.config, SystemClock.now(), true).await.unwrap();
        let new = rotated.into_iter().find(|k| k.purpose == KeyPurpose::AccessToken).unwrap().kid;
        let deadline = Instant::now() + Duration::from_secs(5);
        while kid_of(self.login().await["access_token"].as_str().unwrap()) != new {
            assert!(Instant::now() < deadline, "the server does not sign with the new key");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        new
    }

    /// `latchkey keys revoke KID`: an emergency revocation.
    pub async fn revoke_key(&self, kid: &str) {
        let l = &self.latchkey;
        keys::revoke(l.store.as_ref(), &l.master, &l.config, kid, SystemClock.now()).await.unwrap().unwrap();
    }

    /// Alice logs in with a DPoP proof of `prover`'s key; returns the token response.
    pub async fn login_bound(&self, prover: &latchkey_server::testing::DpopProver) -> Value {
        let form = [
            ("grant_type", "password"),
            ("client_id", self.app_client.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ];
        let url = format!("{}/token", self.issuer);
        let proof = prover.proof("POST", &url, SystemClock.now(), None);
        let response = self.http.post(url).header("dpop", proof).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Revokes a refresh token (RFC 7009), which ends its session.
    pub async fn revoke(&self, refresh_token: &str) {
        let form = [
            ("client_id", self.app_client.as_str()),
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ];
        let response = self.http.post(format!("{}/revoke", self.issuer)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// The kid in a JWS header.
pub fn kid_of(token: &str) -> String {
    latchkey_crypto::decode_unverified(token).unwrap().0.kid.unwrap()
}
