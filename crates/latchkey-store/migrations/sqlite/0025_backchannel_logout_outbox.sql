-- Back-channel logout deliveries (OpenID Connect Back-Channel Logout 1.0 §2.5;
-- docs/architecture.md, "Back-channel logout"): one row per ended session of a client with a
-- `backchannel_logout_uri`, written by a trigger in the same transaction as the revocation, so
-- every way a session ends (logout, /revoke, reuse detection, password change, user disabled)
-- enqueues exactly one delivery. A worker claims a row by compare-and-swap on
-- `claimed_until`, sends, and deletes it; a failed attempt moves `next_attempt_at` on.
-- Keep ../sqlite and ../postgres in step (the trigger's syntax differs).
CREATE TABLE backchannel_logouts (
    session_id         TEXT   NOT NULL PRIMARY KEY,
    client_id          TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id            TEXT   NOT NULL,
    browser_session_id TEXT,
    created_at         BIGINT NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at    BIGINT NOT NULL,
    claimed_until      BIGINT
);

CREATE INDEX backchannel_logouts_next_attempt_at ON backchannel_logouts (next_attempt_at);

CREATE TRIGGER sessions_enqueue_backchannel_logout
AFTER UPDATE OF revoked_at ON sessions
WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
    INSERT INTO backchannel_logouts (session_id, client_id, user_id, browser_session_id, created_at, next_attempt_at)
    SELECT NEW.id, NEW.client_id, NEW.user_id, NEW.browser_session_id, NEW.revoked_at, NEW.revoked_at
    FROM clients c WHERE c.id = NEW.client_id AND c.backchannel_logout_uri IS NOT NULL
    ON CONFLICT (session_id) DO NOTHING;
END;
