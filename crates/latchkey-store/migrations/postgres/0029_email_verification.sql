-- E-mail verification (docs/architecture.md, "Sign-up and e-mail verification").
-- `email_verified`: the user proved they receive mail at `email` (a link, 24 h).
-- `verification_required`: a self-registered account, which cannot sign in before its address
-- is verified (no session before verification: no pre-account takeover).
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN verification_required BIGINT NOT NULL DEFAULT 0;
