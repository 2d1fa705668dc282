-- Photo requests: public upload links that collect photos from anyone who has the link. Guest files are kept only
-- until the worker has stored a clean copy (metadata stripped, HEIC as JPEG) as an asset of the request's owner.

CREATE TABLE photo_requests (
    id               uuid PRIMARY KEY,
    owner_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '',
    folder_id        uuid REFERENCES folders (id) ON DELETE SET NULL, -- NULL: the top of the owner's Personal Space
    album_id         uuid REFERENCES albums (id) ON DELETE SET NULL,
    max_file_size_mb integer CHECK (max_file_size_mb BETWEEN 1 AND 3000),
    expires_at       timestamptz,
    enabled          boolean NOT NULL DEFAULT true,
    link_key         text NOT NULL,   -- 256 random bits, base64url, shown to the owner
    link_key_hash    bytea NOT NULL,  -- SHA-256 of the key: guest lookups go by it
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX photo_requests_link_key_hash_key ON photo_requests (link_key_hash);
CREATE INDEX photo_requests_owner_idx ON photo_requests (owner_id, id);

-- One file a guest sent. The raw bytes wait under raw_blob_key (never served) until the worker has stored the clean
-- asset, then are deleted.
CREATE TABLE photo_request_uploads (
    id                 uuid PRIMARY KEY,
    request_id         uuid NOT NULL REFERENCES photo_requests (id) ON DELETE CASCADE,
    status             text NOT NULL CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    failure_reason     text,
    file_name          text NOT NULL,   -- as the guest named it (shown to the owner; the asset gets it with .jpg)
    size_bytes         bigint NOT NULL,
    raw_blob_key       text,            -- NULL once deleted
    -- Where the clean file goes, fixed when the guest sent it (the owner's rights were checked then).
    folder_id          uuid REFERENCES folders (id) ON DELETE SET NULL,
    album_id           uuid REFERENCES albums (id) ON DELETE SET NULL,
    asset_id           uuid REFERENCES assets (id) ON DELETE SET NULL,
    attempts           integer NOT NULL DEFAULT 0,
    processing_since   timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photo_request_uploads_request_idx ON photo_request_uploads (request_id, id);
CREATE INDEX photo_request_uploads_open_idx ON photo_request_uploads (created_at) WHERE status IN ('pending', 'processing');

-- Assets that came in through a photo request remember it.
ALTER TABLE assets ADD COLUMN photo_request_id uuid REFERENCES photo_requests (id) ON DELETE SET NULL;
