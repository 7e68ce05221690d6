//! The master key: encrypts signing keys at rest and derives the MAC keys of refresh tokens
//! and client secrets. Taken from `LATCHKEY_MASTER_KEY` when set, else from
//! `<data_dir>/master.key`. The key file is created (mode 0600) only on the first
//! initialisation of an empty database ([`crate::instance::open_master_key`] decides); every
//! later command must be given the same key, which the database's check value confirms.

use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use latchkey_crypto::MasterKey;

/// Name of the environment variable that overrides the key file.
pub const MASTER_KEY_ENV: &str = "LATCHKEY_MASTER_KEY";

/// The key file's path inside the data directory.
pub fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("master.key")
}

/// A master key and where it came from, for messages.
pub struct LoadedKey {
    pub key: MasterKey,
    pub source: String,
}

/// Loads the master key from `env_value` (base64) or the key file; `None` when neither is
/// there.
pub fn load(env_value: Option<&str>, data_dir: &Path) -> anyhow::Result<Option<LoadedKey>> {
    if let Some(encoded) = env_value {
        let key = MasterKey::from_base64(encoded)
            .with_context(|| format!("{MASTER_KEY_ENV} is not a valid master key"))?;
        return Ok(Some(LoadedKey { key, source: MASTER_KEY_ENV.to_owned() }));
    }
    let path = key_file(data_dir);
    match fs::read_to_string(&path) {
        Ok(encoded) => {
            warn_if_readable_by_others(&path);
            let key = MasterKey::from_base64(&encoded)
                .with_context(|| format!("{} does not hold a valid master key", path.display()))?;
            Ok(Some(LoadedKey { key, source: path.display().to_string() }))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Creates a new key file (and the data directory, mode 0700); when another process created
/// it first, loads theirs.
pub fn create(data_dir: &Path) -> anyhow::Result<LoadedKey> {
    let path = key_file(data_dir);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let key = MasterKey::generate()?;
    let file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path);
    match file {
        Ok(mut file) => {
            file.write_all(key.to_base64().as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::warn!(
                path = %path.display(),
                "created a new master key for this new database: back it up apart from the database, \
                 and give every other process the same key ({MASTER_KEY_ENV} or this file)"
            );
            Ok(LoadedKey { key, source: path.display().to_string() })
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load(None, data_dir)?
            .ok_or_else(|| anyhow::anyhow!("{} vanished while being created", path.display())),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the master key file is readable by other users; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn creates_a_private_key_file_once_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        assert!(load(None, &data_dir).unwrap().is_none());
        let first = create(&data_dir).unwrap().key;
        let mode = fs::metadata(key_file(&data_dir)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load(None, &data_dir).unwrap().unwrap().key;
        assert_eq!(*first.to_base64(), *second.to_base64());
        assert_eq!(*create(&data_dir).unwrap().key.to_base64(), *first.to_base64(), "the existing file wins");
    }

    #[test]
    fn environment_value_wins_and_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::generate().unwrap();
        let loaded = load(Some(&key.to_base64()), dir.path()).unwrap().unwrap();
        assert_eq!(*loaded.key.to_base64(), *key.to_base64());
        assert_eq!(loaded.source, MASTER_KEY_ENV);
        assert!(!key_file(dir.path()).exists());
        assert!(load(Some("not a key"), dir.path()).is_err());
    }
}
