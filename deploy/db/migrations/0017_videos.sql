-- Videos: what ffprobe reads of them (null for photos and other files), and where their web-playable copy is.
-- playback_key is the blob a <video> element plays: the original itself when it is already H.264/AAC in MP4 at most
-- 1080p, else the worker's transcoded copy (video_playbacks.blob_key, with no metadata in it); null until decided.
ALTER TABLE assets
    ADD COLUMN duration_seconds double precision CHECK (duration_seconds >= 0),
    ADD COLUMN video_codec      text,
    ADD COLUMN audio_codec      text,
    ADD COLUMN frame_rate       double precision CHECK (frame_rate >= 0),
    ADD COLUMN playback_key     text;

-- The transcoded playback copies, one per original checksum (copies of an asset, and identical uploads, share it), made
-- by the worker's video queue. Claimed like clean_originals (status, attempts, processing_since), so two workers never
-- transcode the same video at once and a crashed run is taken over once it has been silent long enough.
CREATE TABLE video_playbacks (
    checksum         bytea PRIMARY KEY CHECK (length(checksum) = 32), -- SHA-256 of the original
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    blob_key         text,
    size_bytes       bigint CHECK (size_bytes >= 0),
    failure_reason   text,
    attempts         integer NOT NULL DEFAULT 0,
    processing_since timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'ready' OR (blob_key IS NOT NULL AND size_bytes IS NOT NULL))
);

-- The sweeper's look for playback copies whose job was lost.
CREATE INDEX video_playbacks_unfinished_idx ON video_playbacks (updated_at) WHERE status IN ('pending', 'processing');
