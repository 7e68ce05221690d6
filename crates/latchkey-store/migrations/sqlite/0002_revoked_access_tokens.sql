-- Access tokens revoked one by one (RFC 7009 §2.1), kept until they would have expired.
-- Revoked sessions need no table of their own: sessions.revoked_at is the record.
CREATE TABLE revoked_access_tokens (
    jti        TEXT   NOT NULL PRIMARY KEY,
    session_id TEXT,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);

CREATE INDEX revoked_access_tokens_revoked_at ON revoked_access_tokens (revoked_at);
CREATE INDEX revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at);
