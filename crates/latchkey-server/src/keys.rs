//! The signing keys of this server: loaded from the store and decrypted with the master key,
//! generated on first start, and published as a JWKS (RFC 7517 §5).

use std::sync::Arc;

use latchkey_crypto::{Algorithm, JwkSet, KeySet, MasterKey, SigningKey};
use latchkey_store::{SigningKeyRecord, Store};

/// The algorithm of ID tokens: RS256, the default of OpenID Connect Core §3.1.3.7.
pub const ID_TOKEN_ALGORITHM: Algorithm = Algorithm::RS256;

/// The keys a running server signs with and publishes.
pub struct KeyRing {
    access_token_signer: Arc<SigningKey>,
    id_token_signer: Arc<SigningKey>,
    verifiers: KeySet,
    jwks_json: String,
}

/// Additional authenticated data that binds a sealed private key to its key id.
fn sealing_aad(kid: &str) -> Vec<u8> {
    format!("latchkey signing key {kid}").into_bytes()
}

impl KeyRing {
    /// Loads every unretired key; generates and stores a key of `access_alg` when none
    /// exists, and an RS256 key for ID tokens (OpenID Connect Core §15.1: RS256 is the
    /// algorithm every relying party supports). Processes starting at once on an empty
    /// database each generate a key, but the store keeps only the first of each algorithm
    /// ([`KeyStore::insert_first_signing_key`]); the others re-read it, so all of them
    /// publish the same JWKS.
    ///
    /// [`KeyStore::insert_first_signing_key`]: latchkey_store::KeyStore::insert_first_signing_key
    pub async fn load_or_create(
        store: &dyn Store,
        master: &MasterKey,
        access_alg: Algorithm,
        now: i64,
    ) -> anyhow::Result<Self> {
        let mut records = store.signing_keys().await?;
        for alg in [access_alg, ID_TOKEN_ALGORITHM] {
            if !records.iter().any(|r| r.alg == alg.as_str()) {
                let key = SigningKey::generate(alg)?;
                let record = SigningKeyRecord {
                    kid: key.kid().to_owned(),
                    alg: alg.as_str().to_owned(),
                    sealed_private_key: master.seal(&key.to_pkcs8()?, &sealing_aad(key.kid()))?,
                    public_jwk: serde_json::to_string(&key.public_jwk())?,
                    created_at: now,
                    retired_at: None,
                };
                if store.insert_first_signing_key(&record).await? {
                    tracing::info!(kid = key.kid(), alg = %alg, "generated a signing key");
                }
                records = store.signing_keys().await?;
            }
        }
        let mut keys = Vec::with_capacity(records.len());
        for record in &records {
            let alg: Algorithm = record.alg.parse()?;
            let der = master.open(&record.sealed_private_key, &sealing_aad(&record.kid)).map_err(|e| {
                anyhow::anyhow!(
                    "cannot decrypt signing key {}: {e}; is this the master key the keys were created with?",
                    record.kid
                )
            })?;
            keys.push((record.created_at, Arc::new(SigningKey::from_pkcs8(alg, &der)?)));
        }
        let jwks = JwkSet { keys: keys.iter().map(|(_, key)| key.public_jwk()).collect() };
        let verifiers = KeySet::new(keys.iter().map(|(_, key)| key.verifying_key()).collect());
        let oldest = |alg: Algorithm| {
            keys.iter()
                .filter(|(_, key)| key.alg() == alg)
                .min_by_key(|(created_at, _)| *created_at)
                .map(|(_, key)| Arc::clone(key))
                .ok_or_else(|| anyhow::anyhow!("no {alg} signing key after generating one"))
        };
        let access_token_signer = oldest(access_alg)?;
        let id_token_signer = oldest(ID_TOKEN_ALGORITHM)?;
        Ok(Self { access_token_signer, id_token_signer, verifiers, jwks_json: serde_json::to_string(&jwks)? })
    }

    /// Whether `master` decrypts a stored key: the master key these keys were sealed with.
    pub fn is_sealed_with(master: &MasterKey, record: &SigningKeyRecord) -> bool {
        master.open(&record.sealed_private_key, &sealing_aad(&record.kid)).is_ok()
    }

    /// The key that signs access tokens.
    pub fn access_token_signer(&self) -> &SigningKey {
        &self.access_token_signer
    }

    /// The key that signs ID tokens (RS256).
    pub fn id_token_signer(&self) -> &SigningKey {
        &self.id_token_signer
    }

    /// Every published key, for verifying this server's own tokens.
    pub fn verifiers(&self) -> &KeySet {
        &self.verifiers
    }

    /// The JWKS document, serialized once.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }
}
