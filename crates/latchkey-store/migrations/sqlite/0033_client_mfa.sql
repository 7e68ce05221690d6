-- Per-client MFA policy (docs/architecture.md, "Multi-factor authentication"): off, optional
-- (asked of users who enrolled a factor) or required (every user, enrolment led at sign-in).
-- Identical for SQLite and PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE clients ADD COLUMN mfa TEXT NOT NULL DEFAULT 'off' CHECK (mfa IN ('off', 'optional', 'required'));
