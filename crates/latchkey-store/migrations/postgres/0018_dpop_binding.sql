-- DPoP (RFC 9449): per client whether proofs are ignored, accepted or required, and whether a
-- server nonce is required (§8); on a session, the thumbprint of the key its refresh tokens
-- are bound to (public clients, §5). Identical for SQLite and PostgreSQL. Keep ../sqlite and
-- ../postgres in step.
ALTER TABLE clients ADD COLUMN dpop TEXT NOT NULL DEFAULT 'optional' CHECK (dpop IN ('off', 'optional', 'required'));
ALTER TABLE clients ADD COLUMN dpop_nonce BIGINT NOT NULL DEFAULT 0 CHECK (dpop_nonce IN (0, 1));
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT;
