-- Shares of Shared Space folders: the same link settings, invitees with the folder roles (Viewer, Downloader, Uploader,
-- Manager) that count for Custom users like folder permission entries, and the default privacy full_access_only.
ALTER TABLE shares ALTER COLUMN album_id DROP NOT NULL;
ALTER TABLE shares ADD COLUMN folder_id uuid REFERENCES folders (id) ON DELETE CASCADE;
-- Folder shares only: the invitees and privacy reach every folder below too (first-level folders only).
ALTER TABLE shares ADD COLUMN apply_to_subfolders boolean NOT NULL DEFAULT false;
ALTER TABLE shares DROP CONSTRAINT shares_target_type_check;
ALTER TABLE shares ADD CONSTRAINT shares_target_type_check CHECK (target_type IN ('selection', 'album', 'folder'));
ALTER TABLE shares ADD CONSTRAINT shares_target_check CHECK ((target_type = 'folder') = (folder_id IS NOT NULL AND album_id IS NULL));
ALTER TABLE shares DROP CONSTRAINT shares_privacy_check;
ALTER TABLE shares ADD CONSTRAINT shares_privacy_check CHECK (privacy IN ('public', 'private', 'full_access_only'));
CREATE UNIQUE INDEX shares_folder_id_key ON shares (folder_id);

ALTER TABLE share_invitees DROP CONSTRAINT share_invitees_role_check;
ALTER TABLE share_invitees ADD CONSTRAINT share_invitees_role_check
    CHECK (role IN ('viewer', 'downloader', 'provider', 'uploader', 'manager'));
