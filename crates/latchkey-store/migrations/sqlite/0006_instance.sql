-- What the database remembers about the deployment it belongs to, so that every process
-- opening it agrees (see docs/architecture.md, "Several processes"). Identical for SQLite and
-- PostgreSQL: only TEXT. Keep ../sqlite and ../postgres in step.

-- One row per setting, written with a compare-and-set insert: `master_key_check` (an HMAC
-- of a fixed label under a key derived from the master key, never the key itself) and
-- `issuer` (the issuer the database was first served under).
CREATE TABLE instance_settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- The first key of each algorithm carries the algorithm in `first_of_alg`; the unique index
-- lets only one of several processes starting at once on an empty database create it (the
-- others re-read). Later keys leave it NULL, which a unique index does not compare.
ALTER TABLE signing_keys ADD COLUMN first_of_alg TEXT;
CREATE UNIQUE INDEX signing_keys_first_of_alg ON signing_keys (first_of_alg);
