-- Resumable (tus 1.0.0) uploads: one row per upload, so that any API process can take its next PATCH. The upload's URL
-- carries 256 random bits; only their SHA-256 is kept (id_hash). The bytes acknowledged so far (upload_offset) are in the
-- blob store's staging object staging_key. An upload is for the library (owner_id), a share link (share_id) or a photo
-- request (request_id); guests' uploads remember the client address their caps count against. Unfinished uploads expire
-- (expires_at) and are swept with their bytes by the worker; finished ones keep their result (result_id: the asset, or
-- the photo-request upload) until they expire, so a client that lost the last answer can ask HEAD.
CREATE TABLE resumable_uploads (
    id_hash       bytea PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('library', 'share', 'request')),
    -- No foreign keys: a row whose user, share or request is gone is unreachable (lookups go through them) and the sweep
    -- deletes it with its bytes — a cascade would delete the row and leave the bytes behind.
    owner_id      uuid,
    share_id      uuid,
    request_id    uuid,
    client_ip     text NOT NULL,
    folder_id     uuid,
    file_name     text NOT NULL,
    content_type  text,
    device_id     text,
    device_asset_id text,
    taken_at      timestamptz,
    metadata      text NOT NULL DEFAULT '',
    upload_length bigint NOT NULL CHECK (upload_length >= 0),
    upload_offset bigint NOT NULL DEFAULT 0 CHECK (upload_offset >= 0 AND upload_offset <= upload_length),
    staging_key   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    result_id     uuid,
    result_duplicate boolean NOT NULL DEFAULT false,
    CHECK ((kind = 'library') = (owner_id IS NOT NULL)),
    CHECK ((kind = 'share') = (share_id IS NOT NULL)),
    CHECK ((kind = 'request') = (request_id IS NOT NULL))
);
-- The sweep walks expired rows (and those whose user, share or request is gone); the caps count a user's, or a link's per address, unfinished uploads.
CREATE INDEX resumable_uploads_expires_idx ON resumable_uploads (expires_at);
CREATE INDEX resumable_uploads_owner_idx ON resumable_uploads (owner_id) WHERE completed_at IS NULL AND owner_id IS NOT NULL;
CREATE INDEX resumable_uploads_link_idx ON resumable_uploads (coalesce(share_id, request_id), client_ip) WHERE completed_at IS NULL AND owner_id IS NULL;
