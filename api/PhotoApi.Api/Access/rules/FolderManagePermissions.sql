-- FolderManagePermissions: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT f.id FROM folders f WHERE f.id = ANY(@ids) AND f.space = 'shared' AND @isAdmin AND (SELECT shared_space_enabled FROM settings);
