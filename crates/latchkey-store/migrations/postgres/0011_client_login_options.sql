-- How a client's users may sign in (docs/architecture.md, "Federation"): a client with
-- `password_login = 0` offers only its upstream providers, and its login form is refused.
-- No row: the password form is offered. Identical for SQLite and PostgreSQL.
CREATE TABLE client_login_options (
    client_id      TEXT   NOT NULL PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    password_login BIGINT NOT NULL CHECK (password_login IN (0, 1))
);
