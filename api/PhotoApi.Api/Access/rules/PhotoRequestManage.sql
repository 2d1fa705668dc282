-- PhotoRequestManage: the ids among @ids that the principal (@userId, @isAdmin) may act on.
-- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

SELECT id FROM photo_requests WHERE id = ANY(@ids) AND owner_id = @userId;
