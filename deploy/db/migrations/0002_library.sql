-- The library: folders (Personal Space per user, one Shared Space), assets, device backup state.

ALTER TABLE settings ADD COLUMN media_signing_key bytea;  -- HMAC key of signed media URLs, made on first use

CREATE TABLE folders (
    id             uuid PRIMARY KEY,
    space          text NOT NULL CHECK (space IN ('personal', 'shared')),
    owner_id       uuid REFERENCES users (id) ON DELETE CASCADE,   -- the Personal Space's user; NULL in Shared Space
    parent_id      uuid REFERENCES folders (id) ON DELETE CASCADE, -- NULL: top level of its space
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    cover_asset_id uuid,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((space = 'personal') = (owner_id IS NOT NULL))
);
-- Sibling names are unique (case-insensitively) within a parent of a space.
CREATE UNIQUE INDEX folders_sibling_name_key ON folders (
    space, coalesce(owner_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), lower(name));
CREATE INDEX folders_parent_id_idx ON folders (parent_id);

CREATE TABLE assets (
    id                 uuid PRIMARY KEY,
    owner_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    folder_id          uuid REFERENCES folders (id) ON DELETE SET NULL, -- NULL: the top of the owner's Personal Space
    checksum           bytea NOT NULL CHECK (length(checksum) = 32), -- SHA-256 of the original
    blob_key           text NOT NULL,                                 -- content-addressed: shared by copies
    size_bytes         bigint NOT NULL CHECK (size_bytes >= 0),
    media_type         text NOT NULL CHECK (media_type IN ('image', 'video', 'other')),
    content_type       text NOT NULL,
    original_file_name text NOT NULL,
    taken_at           timestamptz NOT NULL,
    taken_at_source    text NOT NULL CHECK (taken_at_source IN ('upload', 'client', 'exif', 'user')),
    width              integer,
    height             integer,
    orientation        smallint,
    camera_make        text,
    camera_model       text,
    latitude           double precision,
    longitude          double precision,
    rating             smallint NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    tags               text[] NOT NULL DEFAULT '{}',
    description        text NOT NULL DEFAULT '',
    status             text NOT NULL CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    failure_reason     text,
    attempts           integer NOT NULL DEFAULT 0,
    processing_since   timestamptz,
    thumbnail_key      text,
    preview_key        text,
    device_id          text,
    device_asset_id    text,
    trashed_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assets_owner_checksum_idx ON assets (owner_id, checksum);
CREATE INDEX assets_timeline_idx ON assets (owner_id, taken_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX assets_folder_idx ON assets (folder_id, taken_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX assets_trash_idx ON assets (owner_id, trashed_at) WHERE trashed_at IS NOT NULL;
CREATE INDEX assets_checksum_idx ON assets (checksum);
CREATE INDEX assets_stuck_idx ON assets (processing_since) WHERE status IN ('pending', 'processing');
CREATE INDEX assets_device_idx ON assets (owner_id, device_id) WHERE device_id IS NOT NULL;
CREATE INDEX assets_tags_idx ON assets USING gin (tags);

ALTER TABLE folders ADD CONSTRAINT folders_cover_asset_fk FOREIGN KEY (cover_asset_id) REFERENCES assets (id) ON DELETE SET NULL;

-- What a device's backups did: the counters the uploads themselves cannot tell (duplicates skipped, uploads that failed).
CREATE TABLE device_backups (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id           text NOT NULL,
    last_backup_at      timestamptz,
    duplicates          integer NOT NULL DEFAULT 0,
    upload_failures     integer NOT NULL DEFAULT 0,
    last_failure_at     timestamptz,
    last_failure_reason text,
    PRIMARY KEY (user_id, device_id)
);

-- Checksums whose last asset may be gone: the blob collector deletes their bytes once nothing uses them.
CREATE TABLE orphan_checksums (
    checksum  bytea PRIMARY KEY,
    queued_at timestamptz NOT NULL DEFAULT now()
);
