-- Native apps' token exchange (RFC 8693; docs/architecture.md, "Native apps"). Keep ../sqlite
-- and ../postgres in step.

-- How the provider puts our nonce in its ID tokens: 'raw' (Google: the value the app passed),
-- 'sha256' (Apple: the app passes the hex SHA-256 of our nonce). NULL: the flavor's default.
ALTER TABLE upstream_providers ADD COLUMN nonce_hashing TEXT CHECK (nonce_hashing IN ('raw', 'sha256'));

-- Single-use nonces issued by GET /native/nonce, keyed by their SHA-256 (the nonce itself is
-- never stored). `used_at` makes them single use by compare-and-swap; the janitor deletes
-- expired rows.
CREATE TABLE native_nonces (
    nonce_hash TEXT   NOT NULL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE INDEX native_nonces_expires_at ON native_nonces (expires_at);

-- Subject tokens already exchanged, by (issuer, jti or SHA-256 of the token), shared by every
-- process: a replayed provider token is refused until it expires; then the janitor forgets it.
CREATE TABLE subject_token_replay (
    issuer     TEXT   NOT NULL,
    token_id   TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, token_id)
);

CREATE INDEX subject_token_replay_expires_at ON subject_token_replay (expires_at);
