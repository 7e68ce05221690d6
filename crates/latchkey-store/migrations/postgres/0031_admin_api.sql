-- The admin API (issue 17): a user's version, bumped by every change an admin can see, is its
-- ETag; `PATCH /admin/users/{id}` with `If-Match` updates only when it is unchanged
-- (compare-and-swap, docs/architecture.md "Admin API"). Audit events are listed by user and
-- kind, newest first.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX audit_events_user_id ON audit_events (user_id, id);
CREATE INDEX audit_events_kind ON audit_events (kind, id);
