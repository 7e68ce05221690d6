//! [`UserStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, flag, from_json, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{NewUser, User, UserProfile, UserUpdate};
use crate::traits::UserStore;

macro_rules! user_columns {
    () => {
        "id, username, email, email_verified, profile, roles, password_hash, disabled, verification_required, \
         created_at, updated_at, version"
    };
}

/// Replaces the password hash (shared with the unit of work, like [`set_disabled`]).
pub(super) fn set_password<'q>(
    user_id: &'q str,
    hash: &'q str,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
}

pub(super) fn set_disabled(user_id: &str, disabled: bool, now: i64) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query("UPDATE users SET disabled = $2, updated_at = $3, version = version + 1 WHERE id = $1")
        .bind(user_id)
        .bind(flag(disabled))
        .bind(now)
}

fn profile_from_row(row: &AnyRow) -> Result<UserProfile, StoreError> {
    let raw: String = col(row, "profile")?;
    serde_json::from_str(&raw).map_err(|e| StoreError::corrupt("row", format!("column profile: {e}")))
}

/// Inserts a user (shared with the unit of work, where a federated user and its identity
/// commit together).
pub(super) fn insert(user: &NewUser, now: i64) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(concat!(
        "INSERT INTO users (",
        user_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $9, $8, $8, 0)"
    ))
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.email)
    .bind(flag(user.email_verified))
    .bind(serde_json::Value::Object(user.profile.clone()).to_string())
    .bind(to_json(&user.roles))
    .bind(&user.password_hash)
    .bind(now)
    .bind(flag(user.verification_required))
}

/// Replaces the e-mail address and profile (a federated user's, at login).
pub(super) fn set_profile<'q>(
    user_id: &'q str,
    email: Option<&'q str>,
    email_verified: bool,
    profile: &UserProfile,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(
        "UPDATE users SET email = $2, email_verified = $3, profile = $4, updated_at = $5, \
         version = version + 1 WHERE id = $1",
    )
    .bind(user_id)
    .bind(email)
    .bind(flag(email_verified))
    .bind(serde_json::Value::Object(profile.clone()).to_string())
    .bind(now)
}

fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: col(row, "id")?,
        username: col(row, "username")?,
        email: col(row, "email")?,
        email_verified: col::<i64>(row, "email_verified")? != 0,
        profile: profile_from_row(row)?,
        roles: from_json(row, "roles")?,
        password_hash: col(row, "password_hash")?,
        disabled: col::<i64>(row, "disabled")? != 0,
        verification_required: col::<i64>(row, "verification_required")? != 0,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
        version: col(row, "version")?,
    })
}

/// The users whose address is `email`, compared case-insensitively, oldest first (for
/// [`crate::FederationStore::users_with_email`] and the sign-up and recovery lookups).
pub(super) async fn with_email(store: &SqlStore, email: &str) -> Result<Vec<User>, StoreError> {
    sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE lower(email) = lower($1) ORDER BY created_at, id"
    ))
    .bind(email)
    .fetch_all(&store.reader)
    .await
    .map_err(|e| store.fail(e, || "users by e-mail".into()))?
    .iter()
    .map(user_from_row)
    .collect()
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: &NewUser, now: i64) -> Result<User, StoreError> {
        insert(user, now)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("user {}", user.username)))?;
        Ok(User {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            profile: user.profile.clone(),
            roles: user.roles.clone(),
            password_hash: user.password_hash.clone(),
            disabled: false,
            verification_required: user.verification_required,
            created_at: now,
            updated_at: now,
            version: 0,
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

    async fn users_page(
        &self,
        after: Option<&str>,
        disabled: Option<bool>,
        limit: i64,
    ) -> Result<Vec<User>, StoreError> {
        // `username` is UNIQUE: its index serves the order and the cursor.
        let sql = match (after.is_some(), disabled.is_some()) {
            (false, false) => concat!("SELECT ", user_columns!(), " FROM users ORDER BY username LIMIT $1"),
            (true, false) => {
                concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users WHERE username > $2 ORDER BY username LIMIT $1"
                )
            }
            (false, true) => {
                concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users WHERE disabled = $2 ORDER BY username LIMIT $1"
                )
            }
            (true, true) => concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE username > $2 AND disabled = $3 ORDER BY username LIMIT $1"
            ),
        };
        let mut query = sqlx::query(sql).bind(limit.max(0));
        if let Some(after) = after {
            query = query.bind(after);
        }
        if let Some(disabled) = disabled {
            query = query.bind(flag(disabled));
        }
        query
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

    async fn update_user(&self, update: &UserUpdate, now: i64) -> Result<Option<User>, StoreError> {
        sqlx::query(concat!(
            // A new address is not verified: nobody vouched for it (linking by e-mail needs that).
            "UPDATE users SET email = $3, roles = $4, updated_at = $5, version = version + 1, \
             email_verified = CASE WHEN $6 = 1 AND $3 IS NOT NULL THEN 1 \
             WHEN email = $3 THEN email_verified ELSE 0 END \
             WHERE id = $1 AND version = $2 RETURNING ",
            user_columns!()
        ))
        .bind(&update.id)
        .bind(update.expected_version)
        .bind(&update.email)
        .bind(to_json(&update.roles))
        .bind(now)
        .bind(flag(update.email_verified))
        .fetch_optional(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("user {}", update.id)))?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
        let done =
            delete(id).execute(&self.writer).await.map_err(|e| self.fail(e, || format!("user {id}")))?;
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

/// Deletes a user; sessions, codes, consents, linked identities and links go with it through
/// `ON DELETE CASCADE`.
pub(super) fn delete(id: &str) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id)
}
