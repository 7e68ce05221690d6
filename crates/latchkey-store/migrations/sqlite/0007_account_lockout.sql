-- The opt-in permanent lockout (`lockout_after_failures`): consecutive credential failures
-- per user, counted in the database every process shares, and when the account was locked.
-- A row exists only while a user has failures or is locked; a success deletes an unlocked
-- row, `latchkey users unlock` deletes any. Identical for SQLite and PostgreSQL: keep
-- ../sqlite and ../postgres in step.
CREATE TABLE account_lockout (
    user_id   TEXT   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures  BIGINT NOT NULL,
    locked_at BIGINT
);
