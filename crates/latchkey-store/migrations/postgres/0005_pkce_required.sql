-- OAuth 2.1 §4.1.1 (RFC 9700 §2.1.1): every client of the code flow sends a PKCE challenge,
-- confidential ones too, unless an administrator opted a legacy client out. Identical for
-- SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE clients ADD COLUMN pkce_required BIGINT NOT NULL DEFAULT 1 CHECK (pkce_required IN (0, 1));
