-- AlbumView: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT al.id FROM albums al WHERE al.id = ANY(@ids) AND (al.owner_id = @userId OR al.id IN (
    SELECT s.album_id FROM shares s JOIN share_invitees si ON si.share_id = s.id
    WHERE (si.user_id = @userId OR si.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @userId))) AND EXISTS (SELECT 1 FROM users u WHERE u.id = al.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed))));
