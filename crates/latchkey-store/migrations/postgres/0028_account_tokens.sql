-- Single-use links sent by e-mail (docs/architecture.md, "Account recovery"): one row per
-- user and purpose, so issuing a new link replaces (invalidates) the previous one in one
-- upsert. Only a hash of the link's token is stored. `password_mark` is a digest of the
-- password hash the link was issued under: a password change invalidates the link.
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
CREATE TABLE account_tokens (
    user_id       TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT   NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    token_hash    TEXT   NOT NULL UNIQUE,
    email         TEXT   NOT NULL,
    password_mark TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    PRIMARY KEY (user_id, purpose)
);
-- "Forgot password?" finds the account by its e-mail address, whatever its case.
CREATE INDEX users_email_lower ON users (lower(email));
