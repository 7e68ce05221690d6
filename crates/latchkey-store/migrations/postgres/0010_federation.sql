-- Federation: signing in through upstream identity providers (docs/architecture.md,
-- "Federation"). Keep ../sqlite and ../postgres in step; they differ only in BLOB/BYTEA.

-- Whether the user's e-mail address is known to be theirs (asserted by an upstream provider
-- that verified it). An unverified address is never used to link an upstream identity.
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
-- The normalized profile (name, given_name, family_name, picture, locale) as a JSON object.
ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';

-- Upstream providers, shared by every process. The client secret is sealed under the master
-- key (AES-256-GCM, bound to the provider's name); `endpoints` holds the URL overrides and,
-- for OAuth 2.0 providers, the endpoints themselves (a JSON object); `claim_mapping` the
-- declarative mapping (JSON). Lists are JSON arrays.
CREATE TABLE upstream_providers (
    name                 TEXT   NOT NULL PRIMARY KEY,
    kind                 TEXT   NOT NULL CHECK (kind IN ('oidc', 'oauth2')),
    flavor               TEXT   NOT NULL,
    issuer               TEXT,
    endpoints            TEXT   NOT NULL DEFAULT '{}',
    client_id            TEXT   NOT NULL,
    sealed_client_secret BYTEA  NOT NULL,
    scopes               TEXT   NOT NULL DEFAULT '[]',
    linking              TEXT   NOT NULL DEFAULT 'never' CHECK (linking IN ('never', 'prompt', 'auto')),
    create_users         BIGINT NOT NULL DEFAULT 1 CHECK (create_users IN (0, 1)),
    store_tokens         BIGINT NOT NULL DEFAULT 0 CHECK (store_tokens IN (0, 1)),
    pkce                 TEXT   NOT NULL DEFAULT 'auto' CHECK (pkce IN ('auto', 'force', 'never')),
    claim_mapping        TEXT   NOT NULL DEFAULT '{}',
    native_client_ids    TEXT   NOT NULL DEFAULT '[]',
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

-- Which providers a client's login page offers; a client with no rows offers them all.
CREATE TABLE client_upstream_providers (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    provider  TEXT NOT NULL REFERENCES upstream_providers (name) ON DELETE CASCADE,
    PRIMARY KEY (client_id, provider)
);

CREATE INDEX client_upstream_providers_provider ON client_upstream_providers (provider);

-- An upstream account, known by (provider, the provider's subject), and the local user it
-- signs in. The unique key is what makes two concurrent first logins create one user.
CREATE TABLE federated_identities (
    provider      TEXT   NOT NULL REFERENCES upstream_providers (name) ON DELETE CASCADE,
    subject       TEXT   NOT NULL,
    user_id       TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         TEXT,
    linked_at     BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE INDEX federated_identities_user_id ON federated_identities (user_id);

-- One outbound login in flight, keyed by the SHA-256 of its `state`. `used_at` makes the
-- callback single use (a compare-and-swap); the janitor deletes expired rows. The PKCE
-- verifier is kept as is: the row never leaves the server, lives at most 10 minutes, and
-- redeeming the code also needs the upstream client secret, which is sealed.
CREATE TABLE federation_flows (
    state_hash   TEXT   NOT NULL PRIMARY KEY,
    provider     TEXT   NOT NULL REFERENCES upstream_providers (name) ON DELETE CASCADE,
    nonce        TEXT   NOT NULL,
    pkce_verifier TEXT,
    interaction  TEXT   NOT NULL,
    browser_hash TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);

CREATE INDEX federation_flows_expires_at ON federation_flows (expires_at);

-- How the user signed in (RFC 8176 `amr` values, JSON array) and through which upstream
-- provider (`idp`), carried from the browser session to the code and its refresh session so
-- every token of the login says so.
ALTER TABLE browser_sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';
ALTER TABLE browser_sessions ADD COLUMN idp TEXT;
ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';
ALTER TABLE authorization_codes ADD COLUMN idp TEXT;
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';
ALTER TABLE sessions ADD COLUMN idp TEXT;
