-- AssetDownload: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT a.id FROM assets a LEFT JOIN folders f ON f.id = a.folder_id WHERE a.id = ANY(@ids) AND (((f.id IS NULL OR f.space = 'personal') AND a.owner_id = @userId
 OR f.space = 'shared' AND ((SELECT shared_space_enabled FROM settings) AND ((CASE WHEN @isAdmin THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = @userId),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'full' OR (CASE WHEN @isAdmin THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = @userId),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'custom' AND (EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
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
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'allow' AND 'download' = ANY(acl.operations))
 AND NOT EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
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
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'deny' AND 'download' = ANY(acl.operations)))))) OR (a.trashed_at IS NULL AND (
    (EXISTS (SELECT 1 FROM partners p WHERE p.owner_id = a.owner_id AND p.partner_id = @userId) AND EXISTS (SELECT 1 FROM users u WHERE u.id = a.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))) AND (a.trashed_at IS NULL
 AND (a.folder_id IS NULL OR EXISTS (SELECT 1 FROM folders pf WHERE pf.id = a.folder_id AND pf.space = 'personal')))
    OR EXISTS (SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
               WHERE aa.asset_id = a.id AND (al.owner_id = @userId OR (EXISTS (SELECT 1 FROM shares s JOIN share_invitees si ON si.share_id = s.id
         WHERE s.album_id = al.id AND si.role IN ('downloader', 'provider')
           AND (si.user_id = @userId OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)))
 AND EXISTS (SELECT 1 FROM users u WHERE u.id = al.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))))
                 AND ((f.id IS NULL OR f.space = 'personal') AND a.owner_id = coalesce(aa.added_by, al.owner_id)
 OR f.space = 'shared' AND ((SELECT shared_space_enabled FROM settings) AND ((CASE WHEN EXISTS (SELECT 1 FROM users wu WHERE wu.id = coalesce(aa.added_by, al.owner_id) AND wu.role = 'admin') THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = coalesce(aa.added_by, al.owner_id)),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id))
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'full' OR (CASE WHEN EXISTS (SELECT 1 FROM users wu WHERE wu.id = coalesce(aa.added_by, al.owner_id) AND wu.role = 'admin') THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = coalesce(aa.added_by, al.owner_id)),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id))
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'custom' AND (EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = coalesce(aa.added_by, al.owner_id) OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id)))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = coalesce(aa.added_by, al.owner_id) OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id))) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'allow' AND 'download' = ANY(acl.operations))
 AND NOT EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = coalesce(aa.added_by, al.owner_id) OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id)))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = coalesce(aa.added_by, al.owner_id) OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = coalesce(aa.added_by, al.owner_id))) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'deny' AND 'download' = ANY(acl.operations)))))))
    OR EXISTS (SELECT 1 FROM albums al WHERE al.kind = 'conditional' AND al.owner_id = a.owner_id
               AND (EXISTS (SELECT 1 FROM shares s JOIN share_invitees si ON si.share_id = s.id
         WHERE s.album_id = al.id AND si.role IN ('downloader', 'provider')
           AND (si.user_id = @userId OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId)))
 AND EXISTS (SELECT 1 FROM users u WHERE u.id = al.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))) AND ((a.owner_id = al.owner_id
 AND (al.cond_folder_ids IS NULL OR cardinality(al.cond_folder_ids) = 0 OR a.folder_id IN (
      WITH RECURSIVE t(id) AS (SELECT unnest(al.cond_folder_ids)
                               UNION SELECT c.id FROM folders c JOIN t ON c.parent_id = t.id)
      SELECT id FROM t))
 AND (al.cond_from IS NULL OR a.taken_at >= al.cond_from)
 AND (al.cond_to IS NULL OR a.taken_at < al.cond_to)
 AND (al.cond_tags IS NULL OR cardinality(al.cond_tags) = 0
      OR EXISTS (SELECT 1 FROM unnest(a.tags) tag WHERE lower(tag) = ANY(al.cond_tags)))
 AND (al.cond_min_rating IS NULL OR a.rating >= al.cond_min_rating)
 AND (al.cond_media_type IS NULL OR a.media_type = al.cond_media_type)
 AND (al.cond_camera IS NULL
      OR strpos(lower(coalesce(a.camera_make, '') || ' ' || coalesce(a.camera_model, '')), lower(al.cond_camera)) > 0)) AND ((f.id IS NULL OR f.space = 'personal') AND a.owner_id = al.owner_id
 OR f.space = 'shared' AND ((SELECT shared_space_enabled FROM settings) AND ((CASE WHEN EXISTS (SELECT 1 FROM users wu WHERE wu.id = al.owner_id AND wu.role = 'admin') THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = al.owner_id),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'full' OR (CASE WHEN EXISTS (SELECT 1 FROM users wu WHERE wu.id = al.owner_id AND wu.role = 'admin') THEN 'full' ELSE coalesce(
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = al.owner_id),
    (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id)
     ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
    'none') END) = 'custom' AND (EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = al.owner_id OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = al.owner_id OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id)) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'allow' AND 'download' = ANY(acl.operations))
 AND NOT EXISTS (SELECT 1 FROM (WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = a.folder_id
    UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
SELECT e.effect, e.operations FROM (
    SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
    FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
    WHERE (fp.user_id = al.owner_id OR fp.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id))
    UNION ALL
    SELECT 'allow', (CASE WHEN si.role = 'viewer' THEN ARRAY['view'] WHEN si.role = 'downloader' THEN ARRAY['view', 'download', 'add_to_album', 'copy'] WHEN si.role = 'uploader' THEN ARRAY['view', 'download', 'upload', 'create_folder', 'photo_request', 'add_to_album', 'copy'] WHEN si.role = 'manager' THEN ARRAY['view', 'download', 'upload', 'edit', 'rename', 'cover', 'create_folder', 'photo_request', 'add_to_album', 'delete', 'copy', 'move'] ELSE ARRAY[]::text[] END),
           CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
           ch.depth
    FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
    WHERE (si.user_id = al.owner_id OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = al.owner_id)) AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)))
) e
WHERE 'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))) acl WHERE acl.effect = 'deny' AND 'download' = ANY(acl.operations)))))))))));
