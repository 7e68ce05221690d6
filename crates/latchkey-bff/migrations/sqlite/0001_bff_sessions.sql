-- One row per signed-in browser. The cookie's value is never stored: `id_hash` is its
-- SHA-256 (hex). The tokens are sealed (AES-256-GCM) under the BFF's session key with
-- `id_hash` as associated data. `sid` and `sub` let back-channel logout find the rows.
CREATE TABLE bff_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    sealed_tokens TEXT NOT NULL,
    access_expires_at BIGINT NOT NULL,
    sub TEXT NOT NULL,
    sid TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX bff_sessions_sid ON bff_sessions (sid);
CREATE INDEX bff_sessions_sub ON bff_sessions (sub);
CREATE INDEX bff_sessions_expires_at ON bff_sessions (expires_at);
