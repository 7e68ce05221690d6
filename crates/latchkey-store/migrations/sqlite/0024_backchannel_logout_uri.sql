-- OpenID Connect Back-Channel Logout 1.0 §2.2 (docs/architecture.md, "Back-channel logout"):
-- where a client receives logout tokens (NULL: it receives none), and whether it needs the
-- `sid` claim in them. Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BIGINT NOT NULL DEFAULT 0
    CHECK (backchannel_logout_session_required IN (0, 1));
