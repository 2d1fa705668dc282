-- AlbumEdit: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT al.id FROM albums al WHERE al.id = ANY(@ids) AND al.owner_id = @userId;
