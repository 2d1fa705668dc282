-- The large setup's rows (psql variables: l, lp, admin, folder, assets, shared_files): the owner's library (half of it in
-- 20 personal folders, 2% in the trash), their partner's 1,000 photos, and a Shared Space folder of shared_files files.
\ir functions.sql
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SELECT pg_temp.add_assets(:'l', :assets, now(), 50, pg_temp.add_folders(:'l', 20), 50);
SELECT pg_temp.add_assets(:'lp', 1000, now() - interval '2 hours', 50);
SELECT pg_temp.add_assets(:'admin', :shared_files, now() - interval '3 hours', 0, ARRAY[:'folder'::uuid], 100);
