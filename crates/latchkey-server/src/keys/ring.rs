//! One snapshot of the keys: the two signers, decrypted with the master key, and every
//! published key for verifying this server's own tokens (RFC 7517 §5).

use std::sync::Arc;

use anyhow::Context as _;
use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_crypto::{Algorithm, Jwk, JwkSet, KeySet, MasterKey, SigningKey, VerifyingKey};
use latchkey_store::SigningKeyRecord;

/// Additional authenticated data that binds a sealed private key to its key id.
pub(super) fn sealing_aad(kid: &str) -> Vec<u8> {
    format!("latchkey signing key {kid}").into_bytes()
}

/// The signers and verifiers at one moment.
pub struct KeyRing {
    pub(super) access_token_signer: Arc<SigningKey>,
    pub(super) id_token_signer: Arc<SigningKey>,
    pub(super) verifiers: Arc<KeySet>,
}

impl KeyRing {
    /// Builds the ring from the stored keys: the active key of each purpose signs (of
    /// `access_alg` for access tokens, RS256 for ID tokens), every published key verifies.
    pub(super) fn from_records(
        records: &[SigningKeyRecord],
        master: &MasterKey,
        access_alg: Algorithm,
    ) -> anyhow::Result<Self> {
        let signer = |purpose: KeyPurpose, alg: Algorithm| -> anyhow::Result<Arc<SigningKey>> {
            let record = records
                .iter()
                .find(|r| r.state == KeyState::Active && r.purpose == purpose && r.alg == alg.as_str())
                .with_context(|| format!("no active {alg} key for {purpose}"))?;
            Ok(Arc::new(open(record, master)?))
        };
        let verifiers = published(records)?.iter().map(VerifyingKey::from_jwk).collect::<Result<_, _>>()?;
        Ok(Self {
            access_token_signer: signer(KeyPurpose::AccessToken, access_alg)?,
            id_token_signer: signer(KeyPurpose::IdToken, super::ID_TOKEN_ALGORITHM)?,
            verifiers: Arc::new(KeySet::new(verifiers)),
        })
    }
}

/// Decrypts a stored private key.
fn open(record: &SigningKeyRecord, master: &MasterKey) -> anyhow::Result<SigningKey> {
    let alg: Algorithm = record.alg.parse()?;
    let der = master.open(&record.sealed_private_key, &sealing_aad(&record.kid)).map_err(|e| {
        anyhow::anyhow!(
            "cannot decrypt signing key {}: {e}; is this the master key the keys were created with?",
            record.kid
        )
    })?;
    Ok(SigningKey::from_pkcs8(alg, &der)?)
}

/// The public keys of the JWKS: pending, active and retiring; never a private member (the
/// stored JWK is the public one, and it is parsed into [`Jwk`], which has no private fields).
pub(crate) fn published(records: &[SigningKeyRecord]) -> anyhow::Result<Vec<Jwk>> {
    records
        .iter()
        .filter(|r| r.state.is_published())
        .map(|r| {
            serde_json::from_str::<Jwk>(&r.public_jwk)
                .with_context(|| format!("stored key {} is not a JWK", r.kid))
        })
        .collect()
}

/// The JWKS document of `records`.
pub fn jwks(records: &[SigningKeyRecord]) -> anyhow::Result<JwkSet> {
    Ok(JwkSet { keys: published(records)? })
}
