-- RFC 9449 §10: the `dpop_jkt` of an authorization request, bound to its code; the token
-- request that redeems the code must prove possession of that key. Identical for SQLite and
-- PostgreSQL. Keep ../sqlite and ../postgres in step.
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;
