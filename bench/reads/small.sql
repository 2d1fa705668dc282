-- The small setup's rows (psql variables: s, sp, admin, folder): the owner's 1,000 photos (and 50 in the trash), their
-- partner's 200, and 1,000 files in a Shared Space folder.
\ir functions.sql
SET synchronous_commit = off;
SELECT pg_temp.add_assets(:'s', 1050, now(), 21);
SELECT pg_temp.add_assets(:'sp', 200, now() - interval '1 hour');
SELECT pg_temp.add_assets(:'admin', 1000, now(), 0, ARRAY[:'folder'::uuid], 100);
