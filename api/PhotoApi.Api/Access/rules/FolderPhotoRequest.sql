-- FolderPhotoRequest: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT f.id FROM folders f
WHERE f.id = ANY(@ids)
  AND (f.space = 'personal' AND f.owner_id = @userId
       OR f.space = 'shared' AND ((SELECT shared_space_enabled FROM settings) AND ((CASE WHEN @isAdmin THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = @userId),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'full' OR (CASE WHEN @isAdmin THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = @userId),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'custom' AND (EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = f.id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = @userId OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = @userId OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE CASE WHEN e.depth = 0 THEN 'this_folder' = ANY(e.applies_to) WHEN e.depth = 1 THEN 'subfolders' = ANY(e.applies_to) ELSE 'subfolders' = ANY(e.applies_to) AND 'descendants' = ANY(e.applies_to) END) acl WHERE acl.effect = 'allow' AND 'photo_request' = ANY(acl.operations))
 AND NOT EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = f.id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = @userId OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = @userId OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE CASE WHEN e.depth = 0 THEN 'this_folder' = ANY(e.applies_to) WHEN e.depth = 1 THEN 'subfolders' = ANY(e.applies_to) ELSE 'subfolders' = ANY(e.applies_to) AND 'descendants' = ANY(e.applies_to) END) acl WHERE acl.effect = 'deny' AND 'photo_request' = ANY(acl.operations))))));
