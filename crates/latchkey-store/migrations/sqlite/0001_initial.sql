-- Latchkey schema, SQLite dialect. Keep in step with ../postgres/0001_initial.sql: same tables,
-- columns, constraints and indexes; only the type names differ (BLOB/BYTEA, AUTOINCREMENT/BIGSERIAL).
-- Types are limited to what sqlx's Any driver decodes on both backends: BIGINT (i64), TEXT,
-- BLOB. Booleans are BIGINT 0/1, lists are JSON arrays in TEXT, times are Unix seconds.

CREATE TABLE users (
    id            TEXT   NOT NULL PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    email         TEXT,
    roles         TEXT   NOT NULL DEFAULT '[]',
    password_hash TEXT   NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE clients (
    id                   TEXT   NOT NULL PRIMARY KEY,
    name                 TEXT   NOT NULL,
    kind                 TEXT   NOT NULL CHECK (kind IN ('public', 'confidential')),
    secret_hash          BLOB,
    grant_types          TEXT   NOT NULL DEFAULT '[]',
    scopes               TEXT   NOT NULL DEFAULT '[]',
    access_token_ttl     BIGINT,
    refresh_idle_ttl     BIGINT,
    refresh_absolute_ttl BIGINT,
    reuse_window         BIGINT,
    created_at           BIGINT NOT NULL
);

-- One row per refresh-token family (docs/architecture.md, "Refresh tokens"). Nothing secret is stored.
CREATE TABLE sessions (
    id                  TEXT   NOT NULL PRIMARY KEY,
    user_id             TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id           TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope               TEXT   NOT NULL,
    generation          BIGINT NOT NULL DEFAULT 0,
    rotated_at          BIGINT,
    auth_time           BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    last_used_at        BIGINT NOT NULL,
    idle_expires_at     BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    revoked_at          BIGINT,
    revoke_reason       TEXT,
    ip                  TEXT,
    user_agent          TEXT
);

CREATE INDEX sessions_user_id ON sessions (user_id);
-- For the ON DELETE CASCADE from clients.
CREATE INDEX sessions_client_id ON sessions (client_id);
-- For the janitor.
CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
CREATE INDEX sessions_absolute_expires_at ON sessions (absolute_expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE signing_keys (
    kid                TEXT   NOT NULL PRIMARY KEY,
    alg                TEXT   NOT NULL,
    sealed_private_key BLOB   NOT NULL,
    public_jwk         TEXT   NOT NULL,
    created_at         BIGINT NOT NULL,
    retired_at         BIGINT
);

-- No foreign keys: the audit trail outlives the sessions, clients and users it mentions.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    user_id    TEXT,
    client_id  TEXT,
    session_id TEXT,
    detail     TEXT
);

CREATE INDEX audit_events_session_id ON audit_events (session_id);
CREATE INDEX audit_events_at ON audit_events (at);
