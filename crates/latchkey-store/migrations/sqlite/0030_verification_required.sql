-- Sign-up (docs/architecture.md, "Sign-up and e-mail verification"): a self-registered
-- account cannot sign in before its address is verified (no session before verification: no
-- pre-account takeover).
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE users ADD COLUMN verification_required BIGINT NOT NULL DEFAULT 0;
