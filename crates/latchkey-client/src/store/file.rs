//! A refresh token in a private file, for CLIs and desktop apps that should survive a
//! restart.
//!
//! Writes are atomic: the token goes to a temporary file in the same directory, is flushed to
//! disk, then renamed over the old one, so a crash mid-write leaves the previous token or the
//! new one, never half of either — with rotation a lost successor would mean a forced
//! re-login, and a torn file a useless one. The temporary file is created with mode 0600 on
//! Unix, and the rename keeps that mode: no other local user can read the token.

use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::{RefreshTokenStore, StoreError};

/// Keeps the refresh token in one file.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path`; its directory must exist.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The DPoP key's file: the token file's name with `.dpop` added, beside it.
    fn key_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".dpop");
        self.path.with_file_name(name)
    }
}

async fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(contents.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[async_trait]
impl RefreshTokenStore for FileStore {
    async fn load(&self) -> Result<Option<String>, StoreError> {
        match tokio::fs::read_to_string(&self.path).await {
            Ok(token) if token.trim().is_empty() => Ok(None),
            Ok(token) => Ok(Some(token.trim().to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        let (path, token) = (self.path.clone(), refresh_token.to_owned());
        tokio::task::spawn_blocking(move || write_atomically(&path, &token)).await??;
        Ok(())
    }

    async fn clear(&self) -> Result<(), StoreError> {
        remove_if_present(&self.path).await?;
        remove_if_present(&self.key_path()).await
    }

    async fn load_dpop_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        match tokio::fs::read_to_string(self.key_path()).await {
            Ok(text) => Ok(Some(URL_SAFE_NO_PAD.decode(text.trim())?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn save_dpop_key(&self, pkcs8: &[u8]) -> Result<(), StoreError> {
        let (path, text) = (self.key_path(), URL_SAFE_NO_PAD.encode(pkcs8));
        tokio::task::spawn_blocking(move || write_atomically(&path, &text)).await??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_replace_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("refresh-token"));
        assert_eq!(store.load().await.unwrap(), None);
        store.save("rt-1").await.unwrap();
        store.save("rt-2").await.unwrap();
        assert_eq!(store.load().await.unwrap().as_deref(), Some("rt-2"));
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files are left behind");
        store.save_dpop_key(&[1, 2, 255]).await.unwrap();
        assert_eq!(store.load_dpop_key().await.unwrap(), Some(vec![1, 2, 255]));
        store.clear().await.unwrap();
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
        assert_eq!(store.load_dpop_key().await.unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "both files are gone");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_file_is_private_even_when_replacing_a_readable_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refresh-token");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        FileStore::new(&path).save("rt-1").await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "rt-1");
    }

    #[tokio::test]
    async fn a_missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("missing").join("refresh-token"));
        assert!(store.save("rt").await.is_err());
    }
}
