-- `email_verified`: the user proved they receive mail at `email` (a link, 24 h).
-- The same column as issue 10's 0010_federation.sql adds, which this branch was cut before:
-- when both meet, only one of the two may stay (drop this file then).
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
