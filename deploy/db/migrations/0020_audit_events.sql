-- The audit trail: an append-only record of security-relevant events (sign-ins, two-step and API-key changes, admin
-- actions, shares and links, photo-request uploads, account removal). Written by AuditTrail in the same transaction as
-- the change it records, so an event exists exactly when its change does (failures, which change nothing else, are
-- written on their own). Nothing updates a row; the retention job deletes rows older than Audit:RetentionDays.
--   actor_id:   who did it (a user; NULL for a guest, an anonymous caller or the system). Not a foreign key: the
--               trail outlives deleted accounts, and names them by id.
--   owner_id:   whose account or share the event concerns — what a user sees of the trail is the events they did
--               or that concern them (their sign-ins, their keys, their shares, uploads to their requests).
--   kind:       a stable dotted name (auth.sign-in, share.created, api-key.created, …), listed in the API contract.
--   target_*:   what it was done to (a share, a user, an API key, a photo request…).
--   address:    the caller's address as the API saw it (after trusted proxies).
--   details:    what else an admin needs to understand it (invitees and roles, link options, a failure's reason);
--               never a secret (no passwords, keys or link tokens).
CREATE TABLE audit_events (
    id          uuid        PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text        NOT NULL CHECK (kind ~ '^[a-z][a-z-]*(\.[a-z][a-z-]*)+$'),
    actor_id    uuid,
    owner_id    uuid,
    target_type text,
    target_id   uuid,
    address     inet,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- Keyset paging newest first, for everyone (admins), by user (actor or owner), and by kind.
CREATE INDEX audit_events_at ON audit_events (at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_events_owner ON audit_events (owner_id, at DESC, id DESC) WHERE owner_id IS NOT NULL;
CREATE INDEX audit_events_kind ON audit_events (kind, at DESC, id DESC);
