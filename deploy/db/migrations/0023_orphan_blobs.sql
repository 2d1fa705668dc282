-- Blobs named by an id rather than a checksum (a guest's raw file sent to a photo request, an export's metadata files)
-- whose row went: queued in the transaction that deletes the row, deleted by the blob collector later — under the backup
-- lock, so a backup whose snapshot still names one keeps its bytes until it has copied them, and a process that dies after
-- the row's deletion leaves no orphaned bytes. Their keys are made from ids no row can ever name again.
CREATE TABLE orphan_blobs (
    key       text PRIMARY KEY,
    queued_at timestamptz NOT NULL DEFAULT now()
);

-- A guest's file still waiting in a photo request goes with its upload row, however the row goes (the request deleted,
-- its owner's account deleted: cascades), including an upload a guest commits while the deletion runs — a row trigger
-- sees every row the delete takes, which no statement written beside the delete can promise.
CREATE FUNCTION photo_request_uploads_queue_raw() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orphan_blobs (key) VALUES (OLD.raw_blob_key) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER photo_request_uploads_queue_raw AFTER DELETE ON photo_request_uploads
    FOR EACH ROW WHEN (OLD.raw_blob_key IS NOT NULL) EXECUTE FUNCTION photo_request_uploads_queue_raw();
