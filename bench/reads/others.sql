-- Everyone else's libraries (psql variables: users, per_user): users × per_user assets (half in 5 personal folders, 2%
-- trashed), 5 albums of 100 entries each shared with the next user as viewer, and each user a partner of the next. They
-- never sign in, so they are plain rows.
\ir functions.sql
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET bench.per_user = :per_user;

INSERT INTO users (id, username, email, display_name, password_hash, role, status)
SELECT pg_temp.uuid7(now() - g * interval '1 minute'), 'other' || g, 'other' || g || '@example.test', 'Other ' || g,
       'benchmark-user-without-password', 'user', 'active'
FROM generate_series(1, :users) g;

DO $$
DECLARE u record; folders uuid[];
BEGIN
  FOR u IN SELECT id FROM users WHERE username LIKE 'other%' ORDER BY username LOOP
    folders := pg_temp.add_folders(u.id, 5);
    PERFORM pg_temp.add_assets(u.id, current_setting('bench.per_user')::int, now() - random() * interval '30 days', 50, folders, 50);
  END LOOP;
END $$;

WITH ranked AS (SELECT id, row_number() OVER (ORDER BY username) AS r, count(*) OVER () AS n FROM users WHERE username LIKE 'other%'),
     pairs AS (SELECT a.id AS owner_id, b.id AS next_id FROM ranked a JOIN ranked b ON b.r = a.r % a.n + 1)
INSERT INTO partners (owner_id, partner_id, in_timeline) SELECT owner_id, next_id, true FROM pairs;

INSERT INTO albums (id, owner_id, kind, name)
SELECT pg_temp.uuid7(now() - g * interval '1 day'), u.id, 'manual', 'Album ' || g FROM users u, generate_series(1, 5) g
WHERE u.username LIKE 'other%';

INSERT INTO album_assets (album_id, asset_id, added_by, added_at)
SELECT al.id, a.id, al.owner_id, now()
FROM (SELECT id, owner_id, row_number() OVER (PARTITION BY owner_id ORDER BY id) AS k FROM albums
      WHERE owner_id IN (SELECT id FROM users WHERE username LIKE 'other%')) al
CROSS JOIN LATERAL (SELECT id FROM assets WHERE owner_id = al.owner_id AND trashed_at IS NULL
                    ORDER BY taken_at DESC OFFSET (al.k - 1) * 100 LIMIT 100) a;

WITH ranked AS (SELECT id, row_number() OVER (ORDER BY username) AS r, count(*) OVER () AS n FROM users WHERE username LIKE 'other%'),
     s AS (
       INSERT INTO shares (id, owner_id, target_type, album_id, link_key, link_key_hash)
       SELECT pg_temp.uuid7(now()), al.owner_id, 'album', al.id, k, sha256(convert_to(k, 'UTF8'))
       FROM albums al JOIN ranked ON ranked.id = al.owner_id,
            LATERAL (SELECT md5(random()::text || al.id::text) || md5(al.id::text || random()::text) AS k) kk
       RETURNING id, owner_id)
INSERT INTO share_invitees (share_id, user_id, role)
SELECT s.id, b.id, 'viewer' FROM s JOIN ranked a ON a.id = s.owner_id JOIN ranked b ON b.r = a.r % a.n + 1;
