-- The authorization-code flow (RFC 6749 §4.1, OpenID Connect Core §3.1). Identical for SQLite
-- and PostgreSQL: only BIGINT and TEXT. Keep ../sqlite and ../postgres in step.

-- Per-client registration for browser flows: exact redirect URIs, post-logout redirect URIs
-- (JSON arrays) and whether the user is asked to consent (first-party clients skip it).
ALTER TABLE clients ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN require_consent BIGINT NOT NULL DEFAULT 1 CHECK (require_consent IN (0, 1));

-- The single-sign-on session of a browser (the hosted login's cookie). The cookie holds a
-- secret; only its SHA-256 is stored. `id` is public: it is the ID token's `sid`.
CREATE TABLE browser_sessions (
    id          TEXT   NOT NULL PRIMARY KEY,
    secret_hash TEXT   NOT NULL UNIQUE,
    user_id     TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ended_at    BIGINT
);

CREATE INDEX browser_sessions_user_id ON browser_sessions (user_id);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

-- Refresh sessions started from a browser session, so logging out of the browser ends them.
ALTER TABLE sessions ADD COLUMN browser_session_id TEXT;
CREATE INDEX sessions_browser_session_id ON sessions (browser_session_id);

-- Authorization codes, stored as SHA-256 hashes. `used_at` makes redemption a single-use
-- compare-and-swap; `session_id` names the session the redemption started, so a replay can
-- end it (RFC 6749 §4.1.2, RFC 9700 §4.14).
CREATE TABLE authorization_codes (
    hash               TEXT   NOT NULL PRIMARY KEY,
    client_id          TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id            TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri       TEXT   NOT NULL,
    redirect_uri_given BIGINT NOT NULL CHECK (redirect_uri_given IN (0, 1)),
    scope              TEXT   NOT NULL,
    nonce              TEXT,
    code_challenge     TEXT,
    auth_time          BIGINT NOT NULL,
    browser_session_id TEXT,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    used_at            BIGINT,
    session_id         TEXT
);

CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_client_id ON authorization_codes (client_id);
CREATE INDEX authorization_codes_user_id ON authorization_codes (user_id);

-- Consent remembered per user, client and exact scope set.
CREATE TABLE consents (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope      TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, scope)
);

CREATE INDEX consents_client_id ON consents (client_id);
