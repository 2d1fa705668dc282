-- PartnerLibraryView: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT p.owner_id FROM partners p WHERE p.owner_id = ANY(@ids) AND p.partner_id = @userId AND EXISTS (SELECT 1 FROM users u WHERE u.id = p.owner_id AND u.status = 'active' AND (u.photo_library_allowed AND NOT EXISTS (
    SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed)));
