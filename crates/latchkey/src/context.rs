//! What every subcommand opens: the configuration, the store, the master key.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::sync::Arc;

use anyhow::Context as _;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_crypto::{MasterKey, PasswordHasher};
use latchkey_server::instance;
use latchkey_server::master_key::MASTER_KEY_ENV;
use latchkey_server::password_pool::PasswordPool;
use latchkey_server::Config;
use latchkey_store::{SqlStore, Store};

/// An opened, migrated store and the configuration it came from.
pub struct Context {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub clock: SystemClock,
}

impl Context {
    /// Opens the configured database and applies pending migrations.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        let url = config.database_url();
        if url.starts_with("sqlite:") {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&config.data_dir)
                .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
        }
        let store = SqlStore::connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))?;
        store.migrate().await.context("cannot apply database migrations")?;
        Ok(Self { config, store: Arc::new(store), clock: SystemClock })
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The master key from `LATCHKEY_MASTER_KEY` or the data directory's key file, checked
    /// against the one the database was initialised with ([`instance::open_master_key`]).
    pub async fn master_key(&self) -> anyhow::Result<MasterKey> {
        let env = std::env::var(MASTER_KEY_ENV).ok();
        instance::open_master_key(self.store.as_ref(), env.as_deref(), &self.config.data_dir).await
    }

    pub fn password_pool(&self) -> anyhow::Result<PasswordPool> {
        Ok(PasswordPool::new(PasswordHasher::new(self.config.argon2_params())?))
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
