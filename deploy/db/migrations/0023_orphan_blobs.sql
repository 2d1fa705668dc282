-- Blobs named by an id rather than a checksum (a guest's raw file sent to a photo request, an export's metadata files)
-- whose row went: queued in the transaction that deletes the row, deleted by the blob collector later — under the backup
-- lock, so a backup whose snapshot still names one keeps its bytes until it has copied them, and a process that dies after
-- the row's deletion leaves no orphaned bytes. Their keys are made from ids no row can ever name again.
CREATE TABLE orphan_blobs (
    key       text PRIMARY KEY,
    queued_at timestamptz NOT NULL DEFAULT now()
);
