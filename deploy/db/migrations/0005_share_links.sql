-- Guest access to share links is recorded for the owner: how often the link was viewed and downloaded, and when last.
ALTER TABLE shares
    ADD COLUMN view_count       bigint NOT NULL DEFAULT 0,
    ADD COLUMN download_count   bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_accessed_at timestamptz;
