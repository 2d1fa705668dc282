-- Archive links of a share link ("Download all" for guests: createPublicShareArchiveLink → GET
-- /downloads/archive-links/{token}). Such a row names the share and the link version it was made under instead of assets
-- or an album, and the signed-in caller only when the link is not public (their rights bound what it shows); a guest of
-- a public or password link has no user. At download time the link is resolved again (on, not expired, same version —
-- so not rotated, re-passworded, turned off and on — and its owner's rights now), and the row is spent.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'archive_links'::regclass AND contype = 'c' LOOP
        EXECUTE format('ALTER TABLE archive_links DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$$;

ALTER TABLE archive_links
    ALTER COLUMN user_id DROP NOT NULL,
    ADD COLUMN share_id uuid REFERENCES shares (id) ON DELETE CASCADE,
    ADD COLUMN link_version bigint,
    ADD CONSTRAINT archive_links_one_target CHECK (num_nonnulls(asset_ids, album_id, share_id) = 1),
    ADD CONSTRAINT archive_links_share_version CHECK ((share_id IS NULL) = (link_version IS NULL)),
    ADD CONSTRAINT archive_links_maker CHECK (user_id IS NOT NULL OR share_id IS NOT NULL),
    ADD CONSTRAINT archive_links_credential CHECK (CASE WHEN user_id IS NULL THEN session_id IS NULL AND api_key_id IS NULL
                                                   ELSE (session_id IS NULL) <> (api_key_id IS NULL) END);

-- A share's deletion cascades here: one index range, not a scan of the table.
CREATE INDEX archive_links_share_idx ON archive_links (share_id) WHERE share_id IS NOT NULL;
