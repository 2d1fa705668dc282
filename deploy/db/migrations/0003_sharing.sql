-- Sharing with people: albums (manual, conditional, and the hidden "selection" album behind a selection share),
-- shares with their invitees, and partners. Who may do what is decided in one place, api/.../Access/AccessPolicy.cs;
-- these tables only hold the facts it reads.

CREATE TABLE albums (
    id             uuid PRIMARY KEY,
    owner_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- manual: a list of entries; conditional: a saved filter evaluated when read; selection: the assets of a selection
    -- share (created and deleted with its share, never listed as an album).
    kind           text NOT NULL CHECK (kind IN ('manual', 'conditional', 'selection')),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description    text NOT NULL DEFAULT '',
    cover_asset_id uuid REFERENCES assets (id) ON DELETE SET NULL,
    sort_order     text NOT NULL DEFAULT 'newest' CHECK (sort_order IN ('newest', 'oldest')),
    -- The saved filter of a conditional album (all given conditions must hold; NULL or empty = no condition).
    cond_folder_ids uuid[],          -- in one of these folders or below them
    cond_from       timestamptz,     -- taken at or after
    cond_to         timestamptz,     -- taken before
    cond_tags       text[],          -- lower-case; any of them
    cond_min_rating smallint CHECK (cond_min_rating BETWEEN 0 AND 5),
    cond_media_type text CHECK (cond_media_type IN ('image', 'video', 'other')),
    cond_camera     text,            -- a substring of the camera make or model, case-insensitive
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX albums_owner_id_idx ON albums (owner_id, id);

-- Entries of manual and selection albums; each remembers who added it (a Provider may remove only their own).
CREATE TABLE album_assets (
    album_id uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    asset_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    added_by uuid REFERENCES users (id) ON DELETE SET NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (album_id, asset_id)
);
CREATE INDEX album_assets_asset_id_idx ON album_assets (asset_id);

-- The share settings of one target. Selection and album shares point at an album (a selection share at its hidden
-- selection album); one share per target.
CREATE TABLE shares (
    id             uuid PRIMARY KEY,
    owner_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type    text NOT NULL CHECK (target_type IN ('selection', 'album')),
    album_id       uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    link_enabled   boolean NOT NULL DEFAULT false,
    link_key       text NOT NULL,    -- 256 random bits, base64url; guests present it in the link address
    link_key_hash  bytea NOT NULL,   -- SHA-256 of the key: guest lookups go by it, never comparing the key itself
    privacy        text NOT NULL DEFAULT 'private' CHECK (privacy IN ('public', 'private')),
    password_hash  text,             -- slow hash; NULL: no password
    expires_at     timestamptz,
    allow_download boolean NOT NULL DEFAULT true,
    allow_upload   boolean NOT NULL DEFAULT false,
    show_metadata  boolean NOT NULL DEFAULT true,
    description    text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX shares_album_id_key ON shares (album_id);
CREATE UNIQUE INDEX shares_link_key_hash_key ON shares (link_key_hash);
CREATE INDEX shares_owner_updated_idx ON shares (owner_id, updated_at DESC, id DESC);

-- Who a share is shared with, and as what.
CREATE TABLE share_invitees (
    share_id   uuid NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id   uuid REFERENCES groups (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('viewer', 'downloader', 'provider')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX share_invitees_user_key ON share_invitees (share_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX share_invitees_group_key ON share_invitees (share_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX share_invitees_user_id_idx ON share_invitees (user_id);
CREATE INDEX share_invitees_group_id_idx ON share_invitees (group_id);

-- Partner sharing: owner shares their whole Personal Space (never the trash) with partner, one way.
CREATE TABLE partners (
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    partner_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    in_timeline boolean NOT NULL DEFAULT false, -- chosen by the partner: show these photos in their own timeline
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, partner_id),
    CHECK (owner_id <> partner_id)
);
CREATE INDEX partners_partner_id_idx ON partners (partner_id);
