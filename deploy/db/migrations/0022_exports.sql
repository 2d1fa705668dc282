-- Exports of a user's library (requestExport → the worker's IExportJob → getExport's downloadUrl → one zip). The worker
-- reads the user's library as of one snapshot, writes library.json and library.csv as blobs (keys made from the export's
-- id: exports/<id>/library.json, …/library.csv, so whatever deletes the row can delete its blobs, even after a crash
-- between the two) and lists here each original and its path in the zip. Only the metadata is kept: the originals are
-- read from the library when the zip is downloaded (an asset deleted or trashed since is left out, and the zip says so).
--   status:     pending (the worker has not finished), ready (downloadable until expires_at), failed (failure_reason),
--               expired (the sweep deleted its metadata; a ready export past expires_at is reported expired already).
--   owner_id:   SET NULL when the account goes: the sweep then deletes the row and its blobs (no orphaned bytes).
CREATE TABLE exports (
    id             uuid PRIMARY KEY,
    owner_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed', 'expired')),
    failure_reason text,
    asset_count    integer,
    total_bytes    bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    prepared_at    timestamptz,
    expires_at     timestamptz,
    CHECK (status <> 'ready' OR (prepared_at IS NOT NULL AND expires_at IS NOT NULL)),
    CHECK (status <> 'failed' OR failure_reason IS NOT NULL)
);
-- One export in the making per user: a second request while one is pending answers that one.
CREATE UNIQUE INDEX exports_one_pending_key ON exports (owner_id) WHERE status = 'pending';
-- The sweep: ready exports by expiry, the others by age.
CREATE INDEX exports_ready_expiry_idx ON exports (expires_at) WHERE status = 'ready';
CREATE INDEX exports_unfinished_idx ON exports (created_at) WHERE status IN ('pending', 'failed');
CREATE INDEX exports_ownerless_idx ON exports (id) WHERE owner_id IS NULL;

-- The originals of an export, in zip order. asset_id is no foreign key: an asset deleted after the export was prepared
-- stays listed here (as in library.json) and is left out of the zip.
CREATE TABLE export_assets (
    export_id uuid NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    position  integer NOT NULL,
    asset_id  uuid NOT NULL,
    zip_path  text NOT NULL,
    PRIMARY KEY (export_id, position)
);

-- An export's download is an archive link (the access pipeline's signed URL for one zip): it names the export.
ALTER TABLE archive_links
    ADD COLUMN export_id uuid REFERENCES exports (id) ON DELETE CASCADE,
    DROP CONSTRAINT archive_links_one_target,
    ADD CONSTRAINT archive_links_one_target CHECK (num_nonnulls(asset_ids, album_id, share_id, export_id) = 1),
    ADD CONSTRAINT archive_links_export_maker CHECK (export_id IS NULL OR user_id IS NOT NULL);
CREATE INDEX archive_links_export_idx ON archive_links (export_id) WHERE export_id IS NOT NULL;
