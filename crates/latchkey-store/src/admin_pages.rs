//! The long lists of the admin API, cut in the database (keyset pagination,
//! docs/architecture.md "Admin API"): a page is the rows whose key sorts after the cursor's,
//! `ORDER BY key LIMIT n`, so a server with a million sessions never loads them all to show
//! fifty, and pages stay right while rows come and go.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{Session, SigningKeyRecord};

/// Which live sessions a page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// Only this user's.
    pub user_id: Option<String>,
    /// Only this client's.
    pub client_id: Option<String>,
}

#[async_trait]
pub trait AdminPageStore: Send + Sync {
    /// At most `limit` sessions live at `now` (the rule of [`crate::Session::is_live`]) that
    /// match `filter`, in the order of their ids, after `after`.
    async fn sessions_page(
        &self,
        filter: &SessionFilter,
        after: Option<&str>,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Session>, StoreError>;
    /// At most `limit` signing keys in the order of their key ids, after `after`.
    async fn signing_keys_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SigningKeyRecord>, StoreError>;
}
