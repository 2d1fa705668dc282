-- Shared Space access per user or group (Full Access, Custom, none) and folder permissions as ACL entries. The access
-- policy (api/.../Access/AccessPolicy.cs) evaluates them; these tables only hold the facts.

CREATE TABLE shared_space_access (
    user_id  uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
    level    text NOT NULL CHECK (level IN ('full', 'custom', 'none')),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX shared_space_access_user_key ON shared_space_access (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX shared_space_access_group_key ON shared_space_access (group_id) WHERE group_id IS NOT NULL;

-- One explicit entry on a Shared Space folder. Entries are inherited down the tree as applies_to says:
--   this_folder  the folder itself;  files  the files directly in it;  subfolders  its direct subfolders;
--   descendants  carries "files" and "subfolders" to every level below instead of the first only.
CREATE TABLE folder_permissions (
    id          uuid PRIMARY KEY,
    folder_id   uuid NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id    uuid REFERENCES groups (id) ON DELETE CASCADE,
    effect      text NOT NULL CHECK (effect IN ('allow', 'deny')),
    role        text CHECK (role IN ('viewer', 'downloader', 'uploader', 'manager')), -- NULL: explicit operations
    operations  text[] NOT NULL CHECK (cardinality(operations) > 0),
    applies_to  text[] NOT NULL CHECK (cardinality(applies_to) > 0
                                       AND applies_to <@ ARRAY['this_folder', 'files', 'subfolders', 'descendants']),
    position    integer NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX folder_permissions_folder_idx ON folder_permissions (folder_id, position);
CREATE INDEX folder_permissions_user_idx ON folder_permissions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX folder_permissions_group_idx ON folder_permissions (group_id) WHERE group_id IS NOT NULL;
