-- Failed sign-in attempts per throttle key (account, account and IP, IP or IPv6 /64, client),
-- shared by every server process. A row is one key's count in its current window; the
-- window restarts inside the counting statement once `expires_at` has passed, and the
-- janitor deletes rows whose window ended.
CREATE TABLE login_throttle (
    throttle_key TEXT   NOT NULL PRIMARY KEY,
    failures     BIGINT NOT NULL,
    last_failure BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE INDEX login_throttle_expires_at ON login_throttle (expires_at);
