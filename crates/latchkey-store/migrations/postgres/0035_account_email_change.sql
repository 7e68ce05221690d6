-- Issue 15, the rest of self-service accounts (docs/architecture.md, "Changing the e-mail
-- address" and "Sign-up and e-mail verification"):
-- 1. `account_tokens` takes a third purpose, `email_change`: the link sent to the new address
--    of an e-mail change (the address changes only when it is used).
-- 2. Per-client sign-up settings: `self_registration` NULL follows the server's
--    `self_registration`, 1 allows sign-up from this client's login page, 0 refuses it;
--    `require_verified_email` 1 refuses sign-in to users whose address is not verified.
-- Keep ../sqlite and ../postgres in step (SQLite copies the table to widen the check).
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'email_verification', 'email_change'));

ALTER TABLE clients ADD COLUMN self_registration BIGINT CHECK (self_registration IN (0, 1));
ALTER TABLE clients ADD COLUMN require_verified_email BIGINT NOT NULL DEFAULT 0
    CHECK (require_verified_email IN (0, 1));
