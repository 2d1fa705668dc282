-- Row makers for bench/reads.sh, created in pg_temp (gone with the session): the bulk of the benchmark's data is inserted
-- with SQL, the principals, albums, shares, links, partners and Shared Space access through the API.

-- A UUIDv7 for time t, as the application makes them: ids grow with time, so index inserts stay local.
CREATE FUNCTION pg_temp.uuid7(t timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid
  FROM (SELECT overlay(uuid_send(gen_random_uuid())
                       PLACING substring(int8send(floor(extract(epoch FROM t) * 1000)::bigint) FROM 3) FROM 1 FOR 6) AS b) x
$$;

-- n assets of p_owner, newest first from p_newest, one every 37 minutes (200,000 span 14 years). Every 5th is tagged
-- "family" (with "travel" every 7th, "pets" every 11th), every 15th is a video, ratings cycle 0-5, every p_trash_every-th
-- is in the trash (0: none), and p_folder_pct percent sit in the folders p_folders (round-robin; the rest at the top of
-- the Personal Space).
CREATE FUNCTION pg_temp.add_assets(p_owner uuid, n int, p_newest timestamptz, p_trash_every int DEFAULT 0,
                                   p_folders uuid[] DEFAULT NULL, p_folder_pct int DEFAULT 0) RETURNS void LANGUAGE sql AS $$
  INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                      taken_at, taken_at_source, width, height, camera_make, camera_model, rating, tags, status,
                      thumbnail_key, preview_key, trashed_at, created_at, updated_at)
  SELECT pg_temp.uuid7(p_newest - i * interval '37 minutes'), p_owner,
         CASE WHEN p_folders IS NOT NULL AND i % 100 < p_folder_pct THEN p_folders[1 + i % cardinality(p_folders)] END,
         h, 'originals/' || substr(x, 1, 2) || '/' || substr(x, 3, 2) || '/' || x, 2000000 + i % 5000000,
         CASE WHEN i % 15 = 0 THEN 'video' ELSE 'image' END, CASE WHEN i % 15 = 0 THEN 'video/mp4' ELSE 'image/jpeg' END,
         'IMG_' || lpad(i::text, 6, '0') || CASE WHEN i % 15 = 0 THEN '.MP4' ELSE '.JPG' END,
         p_newest - i * interval '37 minutes', 'exif', 4032, 3024, 'Apple', 'iPhone 15', i % 6,
         array_remove(ARRAY[CASE WHEN i % 5 = 0 THEN 'family' END, CASE WHEN i % 7 = 0 THEN 'travel' END,
                            CASE WHEN i % 11 = 0 THEN 'pets' END], NULL),
         'ready', 'thumbnails/' || x || '.webp', 'previews/' || x || '.jpg',
         CASE WHEN p_trash_every > 0 AND i % p_trash_every = 0 THEN now() - (i % 30) * interval '1 day' END,
         p_newest - i * interval '37 minutes', p_newest - i * interval '37 minutes'
  FROM generate_series(1, n) i,
       LATERAL (SELECT sha256(convert_to(p_owner::text || ':' || p_newest::text || ':' || i, 'UTF8')) AS h) hh,
       LATERAL (SELECT encode(hh.h, 'hex') AS x) xx
$$;

-- k personal folders of p_owner (top level), their ids.
CREATE FUNCTION pg_temp.add_folders(p_owner uuid, k int) RETURNS uuid[] LANGUAGE sql AS $$
  WITH f AS (
    INSERT INTO folders (id, space, owner_id, name, created_by)
    SELECT pg_temp.uuid7(now() - g * interval '1 hour'), 'personal', p_owner, 'Folder ' || g, p_owner
    FROM generate_series(1, k) g RETURNING id)
  SELECT array_agg(id) FROM f
$$;
