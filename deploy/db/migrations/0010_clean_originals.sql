-- Copies of originals without metadata, for guests of share links that hide it (show_metadata off): made by the worker
-- when first asked for, keyed by the original's checksum (identical files share one copy), and recorded here so every
-- API process finds them. The blob collector deletes a copy with the last asset of its checksum.
CREATE TABLE clean_originals (
    checksum         bytea PRIMARY KEY CHECK (length(checksum) = 32), -- SHA-256 of the original
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    blob_key         text,                                             -- named when the worker starts; stored once ready
    clean_checksum   bytea CHECK (length(clean_checksum) = 32),        -- SHA-256 of the copy (its ETag)
    size_bytes       bigint CHECK (size_bytes >= 0),
    failure_reason   text,
    attempts         integer NOT NULL DEFAULT 0,
    requested_at     timestamptz NOT NULL DEFAULT now(),               -- last (re-)enqueue by an API process
    processing_since timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'ready' OR (blob_key IS NOT NULL AND clean_checksum IS NOT NULL AND size_bytes IS NOT NULL))
);
