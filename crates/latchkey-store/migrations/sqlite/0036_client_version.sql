-- The admin API (issue 17): a client's version, bumped by every update, is its ETag;
-- `PATCH /admin/clients/{id}` with `If-Match` updates only when it is unchanged
-- (compare-and-swap, docs/architecture.md "Admin API").
ALTER TABLE clients ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
