-- ShareManage: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT id FROM shares
WHERE id = ANY(@ids) AND (folder_id IS NULL AND owner_id = @userId OR folder_id IS NOT NULL AND @isAdmin AND (SELECT shared_space_enabled FROM settings));
