//! [`AdminPageStore`] for [`SqlStore`]: sessions and signing keys a page at a time, on the
//! primary keys (`sessions.id`, `signing_keys.kid`), which serve both the order and the cursor.

use async_trait::async_trait;

use super::keys::{key_from_row, COLUMNS as KEY_COLUMNS};
use super::sessions::{live_at, session_columns, session_from_row};
use super::SqlStore;
use crate::admin_pages::{AdminPageStore, SessionFilter};
use crate::error::StoreError;
use crate::model::{Session, SigningKeyRecord};

#[async_trait]
impl AdminPageStore for SqlStore {
    async fn sessions_page(
        &self,
        filter: &SessionFilter,
        after: Option<&str>,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Session>, StoreError> {
        // `$1` is the limit and `$2` the time; each condition given takes the next number.
        let mut sql =
            concat!("SELECT ", session_columns!(), " FROM sessions WHERE ", live_at!("$2")).to_owned();
        let conditions = [
            ("id >", after),
            ("user_id =", filter.user_id.as_deref()),
            ("client_id =", filter.client_id.as_deref()),
        ];
        let given: Vec<(&str, &str)> =
            conditions.iter().filter_map(|(column, value)| value.map(|value| (*column, value))).collect();
        for (n, (column, _)) in given.iter().enumerate() {
            sql.push_str(&format!(" AND {column} ${}", n + 3));
        }
        sql.push_str(" ORDER BY id LIMIT $1");
        let mut query = sqlx::query(&sql).bind(limit.max(0)).bind(now);
        for (_, value) in given {
            query = query.bind(value);
        }
        query
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "sessions".into()))?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn signing_keys_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let query = match after {
            None => format!("SELECT {KEY_COLUMNS} FROM signing_keys ORDER BY kid LIMIT $1"),
            Some(_) => format!("SELECT {KEY_COLUMNS} FROM signing_keys WHERE kid > $2 ORDER BY kid LIMIT $1"),
        };
        let mut query = sqlx::query(&query).bind(limit.max(0));
        if let Some(after) = after {
            query = query.bind(after);
        }
        query
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "signing keys".into()))?
            .iter()
            .map(key_from_row)
            .collect()
    }
}
