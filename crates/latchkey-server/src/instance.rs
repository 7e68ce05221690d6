//! What the database remembers about its deployment, so every process that opens it agrees:
//! the master key it was initialised with (as a check value) and the issuer it is served
//! under. Without them, a command run with another key or issuer would silently write data
//! (client secrets, tokens) that the other processes can never accept.

use std::path::Path;

use anyhow::bail;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::MasterKey;
use latchkey_store::Store;

use crate::issuer::Issuer;
use crate::keys::SigningKeys;
use crate::master_key::{self, LoadedKey, MASTER_KEY_ENV};

/// The setting holding the master key's check value.
const MASTER_KEY_CHECK: &str = "master_key_check";
/// The setting holding the issuer identifier.
const ISSUER: &str = "issuer";
/// The HKDF purpose of the check key: independent of every key that protects data.
const CHECK_KEY_PURPOSE: &str = "latchkey master-key check v1";
/// The fixed message whose HMAC is the check value.
const CHECK_LABEL: &[u8] = b"latchkey master-key check";

/// The check value of a master key: an HMAC-SHA256 of a fixed label under a key derived for
/// this purpose alone (RFC 5869 HKDF), so it reveals nothing about the key or the keys that
/// protect data, yet tells two master keys apart.
pub fn check_value(master: &MasterKey) -> String {
    format!(
        "hmac-sha256:{}",
        URL_SAFE_NO_PAD.encode(master.derive_mac_key(CHECK_KEY_PURPOSE).tag(CHECK_LABEL))
    )
}

/// The master key for `store`: from `LATCHKEY_MASTER_KEY` or the key file, and the one the
/// database was initialised with. A new key file is created only when the database is empty
/// (no check value, no signing key, no client): its first initialisation. In every other case
/// a missing or different key stops the command with a message saying so, so that no client
/// secret or token is ever made under a key the other processes do not have.
pub async fn open_master_key(
    store: &dyn Store,
    env_value: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<MasterKey> {
    let recorded = store.instance_setting(MASTER_KEY_CHECK).await?;
    let loaded = match master_key::load(env_value, data_dir)? {
        Some(loaded) => loaded,
        None if recorded.is_none() && is_empty(store).await? => master_key::create(data_dir)?,
        None => bail!(
            "no master key: this database was initialised with a master key, and neither \
             {MASTER_KEY_ENV} nor {} holds it; give this command the database's master key \
             (a new key would make secrets and tokens no other process accepts)",
            master_key::key_file(data_dir).display()
        ),
    };
    let LoadedKey { key, source } = loaded;
    let check = check_value(&key);
    let recorded = match recorded {
        Some(recorded) => recorded,
        None => {
            // A database from before the check value: its signing keys say which key it has.
            if let Some(record) = store.signing_keys().await?.first() {
                if !SigningKeys::is_sealed_with(&key, record) {
                    bail!(wrong_key(&source));
                }
            }
            store.init_instance_setting(MASTER_KEY_CHECK, &check).await?
        }
    };
    if recorded != check {
        bail!(wrong_key(&source));
    }
    Ok(key)
}

fn wrong_key(source: &str) -> String {
    format!(
        "wrong master key: the master key from {source} is not the one this database was \
         initialised with; use the database's master key ({MASTER_KEY_ENV} or its key file)"
    )
}

/// Whether nothing that depends on the master key has been stored yet.
async fn is_empty(store: &dyn Store) -> anyhow::Result<bool> {
    Ok(store.signing_keys().await?.is_empty() && store.list_clients().await?.is_empty())
}

/// Records the issuer at the first start and refuses another one later, unless `change` says
/// the deployment moves on purpose: processes with different issuers would put different
/// `iss` values in their tokens and reject each other's (RFC 9068 §4, OpenID Connect Core
/// §3.1.3.7 step 2).
pub async fn bind_issuer(store: &dyn Store, issuer: &Issuer, change: bool) -> anyhow::Result<()> {
    let ours = issuer.as_str();
    let stored = store.init_instance_setting(ISSUER, ours).await?;
    if stored == ours {
        return Ok(());
    }
    if !change {
        bail!(
            "issuer mismatch: this database is served under the issuer {stored}, but this process \
             is configured with {ours}; every process on one database must use the same issuer \
             (--issuer {stored}), or start once with --change-issuer to move to {ours}"
        );
    }
    store.replace_instance_setting(ISSUER, ours).await?;
    tracing::warn!(from = %stored, to = %ours, "changed the issuer: tokens issued under the old one are no longer accepted");
    Ok(())
}
