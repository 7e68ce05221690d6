-- WebAuthn passkeys (docs/architecture.md, "Passkeys"). Identical for SQLite and PostgreSQL.
-- Keep ../sqlite and ../postgres in step.

-- A user's registered passkeys, keyed by the credential id (base64url) the authenticator
-- chose: a credential belongs to one user only. `credential` is webauthn-rs's `Passkey` as
-- JSON (the public key, the signature counter, the backup flags): nothing secret. It is
-- replaced after each authentication (new counter), by compare-and-swap on its old value.
CREATE TABLE passkeys (
    credential_id TEXT   NOT NULL PRIMARY KEY,
    user_id       TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT   NOT NULL,
    credential    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);

CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- Ceremonies in flight (a registration or an authentication: the challenge and what the
-- server expects back, as webauthn-rs's serialised state), shared by every process: the
-- browser may finish at another process than the one that started. Keyed by the SHA-256 of
-- the ceremony handle the browser holds; `user_id` is the user it is for (none for a
-- passwordless sign-in, where the credential names the user). Taken once (`DELETE …
-- RETURNING`), valid a few minutes; the janitor deletes abandoned ones.
CREATE TABLE webauthn_ceremonies (
    handle_hash TEXT   NOT NULL PRIMARY KEY,
    purpose     TEXT   NOT NULL CHECK (purpose IN ('register', 'sign_in', 'second_factor')),
    user_id     TEXT   REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);
