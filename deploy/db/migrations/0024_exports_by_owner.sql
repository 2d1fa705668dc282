-- A user's exports, newest first (listExports: the account page asks for the newest on load). A page is a range of
-- this index that stops at its LIMIT, whatever the user's history of expired exports (kept, listed as expired).
CREATE INDEX exports_owner_created_idx ON exports (owner_id, created_at DESC, id DESC);
