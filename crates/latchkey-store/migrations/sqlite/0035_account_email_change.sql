-- Issue 15, the rest of self-service accounts (docs/architecture.md, "Changing the e-mail
-- address" and "Sign-up and e-mail verification"):
-- 1. `account_tokens` takes a third purpose, `email_change`: the link sent to the new address
--    of an e-mail change (the address changes only when it is used). SQLite cannot alter a
--    CHECK constraint, so the table is copied into one with the wider check.
-- 2. Per-client sign-up settings: `self_registration` NULL follows the server's
--    `self_registration`, 1 allows sign-up from this client's login page, 0 refuses it;
--    `require_verified_email` 1 refuses sign-in to users whose address is not verified.
-- Keep ../sqlite and ../postgres in step (PostgreSQL alters the constraint in place).
CREATE TABLE account_tokens_0035 (
    user_id       TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT   NOT NULL
        CHECK (purpose IN ('password_reset', 'email_verification', 'email_change')),
    token_hash    TEXT   NOT NULL UNIQUE,
    email         TEXT   NOT NULL,
    password_mark TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    PRIMARY KEY (user_id, purpose)
);
INSERT INTO account_tokens_0035
    (user_id, purpose, token_hash, email, password_mark, created_at, expires_at, used_at)
    SELECT user_id, purpose, token_hash, email, password_mark, created_at, expires_at, used_at
    FROM account_tokens;
DROP TABLE account_tokens;
ALTER TABLE account_tokens_0035 RENAME TO account_tokens;

ALTER TABLE clients ADD COLUMN self_registration BIGINT CHECK (self_registration IN (0, 1));
ALTER TABLE clients ADD COLUMN require_verified_email BIGINT NOT NULL DEFAULT 0
    CHECK (require_verified_email IN (0, 1));
