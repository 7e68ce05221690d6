-- Upstream tokens kept for providers added with --store-tokens (docs/architecture.md,
-- "Federation"): one row per (provider, user), the tokens sealed under the master key
-- (AES-256-GCM) with the provider and user as associated data, kept until `retain_until`
-- (the janitor deletes them after), and gone with the provider or the user.
CREATE TABLE upstream_tokens (
    provider          TEXT   NOT NULL REFERENCES upstream_providers (name) ON DELETE CASCADE,
    user_id           TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_tokens     BLOB   NOT NULL,
    access_expires_at BIGINT,
    retain_until      BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (provider, user_id)
);

CREATE INDEX upstream_tokens_user_id ON upstream_tokens (user_id);
CREATE INDEX upstream_tokens_retain_until ON upstream_tokens (retain_until);
