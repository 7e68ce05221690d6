//! [`UserStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, flag, from_json, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{NewUser, User};
use crate::traits::UserStore;

macro_rules! user_columns {
    () => {
        "id, username, email, roles, password_hash, disabled, email_verified, verification_required, \
         created_at, updated_at"
    };
}

/// Replaces the password hash (shared with the unit of work, like [`set_disabled`]).
pub(super) fn set_password<'q>(
    user_id: &'q str,
    hash: &'q str,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
}

pub(super) fn set_disabled(user_id: &str, disabled: bool, now: i64) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(flag(disabled))
        .bind(now)
}

fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: col(row, "id")?,
        username: col(row, "username")?,
        email: col(row, "email")?,
        roles: from_json(row, "roles")?,
        password_hash: col(row, "password_hash")?,
        disabled: col::<i64>(row, "disabled")? != 0,
        email_verified: col::<i64>(row, "email_verified")? != 0,
        verification_required: col::<i64>(row, "verification_required")? != 0,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
    })
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: &NewUser, now: i64) -> Result<User, StoreError> {
        sqlx::query(
            "INSERT INTO users (id, username, email, roles, password_hash, disabled, verification_required, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $7, $6, $6)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.email)
        .bind(to_json(&user.roles))
        .bind(&user.password_hash)
        .bind(now)
        .bind(flag(user.verification_required))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("user {}", user.username)))?;
        Ok(User {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            roles: user.roles.clone(),
            password_hash: user.password_hash.clone(),
            disabled: false,
            email_verified: false,
            verification_required: user.verification_required,
            created_at: now,
            updated_at: now,
        })
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("user {username}")))?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("user {id}")))?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        sqlx::query(concat!("SELECT ", user_columns!(), " FROM users ORDER BY username, id"))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "users".into()))?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn set_password_hash(&self, user_id: &str, hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = set_password(user_id, hash, now)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn replace_password_hash(
        &self,
        user_id: &str,
        old_hash: &str,
        new_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $3, updated_at = $4 \
             WHERE id = $1 AND password_hash = $2",
        )
        .bind(user_id)
        .bind(old_hash)
        .bind(new_hash)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_user_disabled(&self, user_id: &str, disabled: bool, now: i64) -> Result<bool, StoreError> {
        let done = set_disabled(user_id, disabled, now)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("user {user_id}")))?;
        Ok(done.rows_affected() > 0)
    }
}
