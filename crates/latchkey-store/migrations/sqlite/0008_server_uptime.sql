-- When the server processes on this database were up, for the refresh reuse window, which
-- counts only time some process was up (see docs/architecture.md, "Refresh tokens").
-- Identical for SQLite and PostgreSQL: keep ../sqlite and ../postgres in step.

-- One row (id = 1): the latest heartbeat of any process, written every few seconds.
CREATE TABLE server_heartbeat (
    id      INTEGER NOT NULL PRIMARY KEY,
    beat_at BIGINT  NOT NULL
);

-- Stretches with no process up, recorded by the first process to start after one: from the
-- last heartbeat before it to that start. Processes starting together record the same
-- `from_at`, so it is the key.
CREATE TABLE server_downtimes (
    from_at  BIGINT NOT NULL PRIMARY KEY,
    until_at BIGINT NOT NULL
);
