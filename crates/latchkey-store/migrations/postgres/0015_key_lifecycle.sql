-- Signing-key rotation (docs/architecture.md, "Signing-key rotation"): each key has a purpose
-- (access_token, id_token), a state (pending, active, retiring, retired, revoked) and the
-- times of its next steps. Identical for SQLite and PostgreSQL; keep ../sqlite and
-- ../postgres in step. `retired_at` and `first_of_alg` (0001, 0006) are no longer used.
ALTER TABLE signing_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'access_token';
ALTER TABLE signing_keys ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE signing_keys ADD COLUMN activate_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN retire_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN delete_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN revoked_at BIGINT;

-- Before rotation, ID tokens were signed by the RS256 key, access tokens by the oldest key
-- of the configured algorithm; both signed from their creation.
UPDATE signing_keys SET purpose = 'id_token' WHERE alg = 'RS256';
UPDATE signing_keys SET activate_at = created_at;
UPDATE signing_keys SET state = 'retired', delete_at = retired_at WHERE retired_at IS NOT NULL;
UPDATE signing_keys SET state = 'retiring', retire_at = created_at
WHERE state = 'active' AND EXISTS (
    SELECT 1 FROM signing_keys older
    WHERE older.purpose = signing_keys.purpose AND older.alg = signing_keys.alg
      AND older.state = 'active'
      AND (older.created_at < signing_keys.created_at
           OR (older.created_at = signing_keys.created_at AND older.kid < signing_keys.kid))
);

-- At most one signer and one next key per purpose and algorithm: the database, not process
-- memory, decides which of several processes creating one at the same moment wins.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (purpose, alg) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_pending ON signing_keys (purpose, alg) WHERE state = 'pending';
-- The revocation feed reads emergency revocations by time.
CREATE INDEX signing_keys_revoked_at ON signing_keys (revoked_at) WHERE revoked_at IS NOT NULL;
