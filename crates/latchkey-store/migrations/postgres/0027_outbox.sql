-- Outgoing e-mail (docs/architecture.md, "E-mail delivery"): a request only inserts a row;
-- a worker in every process claims due rows with a compare-and-swap on `claimed_until`, so
-- two processes never send one e-mail twice, and a failure puts the row back with a later
-- `next_attempt_at` (back-off), so a mail-server outage loses nothing. The message (its links
-- are secrets) is sealed under the master key. A sent e-mail's row is deleted.
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
CREATE TABLE outbox (
    id              TEXT   NOT NULL PRIMARY KEY,
    recipient       TEXT   NOT NULL,
    sealed_message  TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_next_attempt_at ON outbox (next_attempt_at);
