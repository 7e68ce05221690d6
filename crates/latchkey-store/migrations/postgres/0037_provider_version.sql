-- The admin API (issue 17): an upstream provider's version, bumped by every update, is its
-- ETag; `PATCH /admin/providers/{name}` with `If-Match` updates only when it is unchanged
-- (compare-and-swap, docs/architecture.md "Admin API").
ALTER TABLE upstream_providers ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
