//! The master key: encrypts signing keys at rest and derives the MAC keys of refresh tokens
//! and client secrets. Taken from `LATCHKEY_MASTER_KEY` when set, else from
//! `<data_dir>/master.key`, which is created on first start with mode 0600.

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

/// Loads the master key from `env_value` (base64) or the key file, creating the file (and
/// the data directory, mode 0700) when neither exists.
pub fn load_or_create(env_value: Option<&str>, data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(encoded) = env_value {
        return MasterKey::from_base64(encoded)
            .with_context(|| format!("{MASTER_KEY_ENV} is not a valid master key"));
    }
    let path = key_file(data_dir);
    match fs::read_to_string(&path) {
        Ok(encoded) => {
            warn_if_readable_by_others(&path);
            MasterKey::from_base64(&encoded)
                .with_context(|| format!("{} does not hold a valid master key", path.display()))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => create(&path, data_dir),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn create(path: &Path, data_dir: &Path) -> anyhow::Result<MasterKey> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let key = MasterKey::generate()?;
    let file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    match file {
        Ok(mut file) => {
            file.write_all(key.to_base64().as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "created a new master key");
            Ok(key)
        }
        // Another process created it between our read and our create: use theirs.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load_or_create(None, data_dir),
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
        let first = load_or_create(None, &data_dir).unwrap();
        let mode = fs::metadata(key_file(&data_dir)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load_or_create(None, &data_dir).unwrap();
        assert_eq!(*first.to_base64(), *second.to_base64());
    }

    #[test]
    fn environment_value_wins_and_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::generate().unwrap();
        let loaded = load_or_create(Some(&key.to_base64()), dir.path()).unwrap();
        assert_eq!(*loaded.to_base64(), *key.to_base64());
        assert!(!key_file(dir.path()).exists());
        assert!(load_or_create(Some("not a key"), dir.path()).is_err());
    }
}
