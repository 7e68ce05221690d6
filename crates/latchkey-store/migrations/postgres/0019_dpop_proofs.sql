-- DPoP proofs already used (RFC 9449 §11.1), keyed by key thumbprint, htu and jti, shared by
-- every process: one INSERT ... ON CONFLICT DO NOTHING accepts a proof once. Rows are kept
-- until the proof's iat is out of the accepted window, then the janitor deletes them.
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
CREATE TABLE dpop_proofs (
    replay_key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dpop_proofs_expires_at ON dpop_proofs (expires_at);
