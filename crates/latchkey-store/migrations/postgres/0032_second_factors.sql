-- Second factors (docs/architecture.md, "Multi-factor authentication"). Identical for SQLite
-- and PostgreSQL but for the secret's type. Keep ../sqlite and ../postgres in step.
--
-- A user's TOTP authenticator (RFC 6238): one per user. The secret is sealed under the master
-- key (AES-256-GCM, the user id as associated data); never stored in clear. A row whose
-- confirmed_at is NULL is an enrolment waiting for its first code, and counts for nothing.
CREATE TABLE totp_factors (
    user_id       TEXT   PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret BYTEA  NOT NULL,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT
);
-- The time steps already used, per user, shared by every process: one INSERT ... ON CONFLICT
-- DO NOTHING accepts each code once (RFC 6238 §5.2). The janitor deletes rows once their step
-- is out of the accepted window.
CREATE TABLE totp_used_steps (
    user_id TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    step    BIGINT NOT NULL,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, step)
);
CREATE INDEX totp_used_steps_used_at ON totp_used_steps (used_at);
-- Recovery codes: single use, only a keyed hash (HMAC-SHA256 under a key derived from the
-- master key) is stored. A new set replaces the old one.
CREATE TABLE recovery_codes (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
