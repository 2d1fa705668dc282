-- Counters the lists show (album sizes, folder contents, a partner's library, photo-request uploads), kept in step by
-- triggers in the same transaction as every write, whichever process makes it (API or worker), so a list reads a
-- number instead of counting members per row per request.

-- Whether an asset is in a Shared Space folder (a folder never changes space; NULL folder = the owner's Personal Space).
-- Kept by a trigger so that when a folder is deleted and its assets fall back to the top of the Personal Space, the
-- counters still know which side they were on.
ALTER TABLE assets ADD COLUMN in_shared_space boolean NOT NULL DEFAULT false;

-- An album entry is live while its asset is not in the trash. It may lapse when the asset is in Shared Space or is not
-- its contributor's own: then whether it still shows depends on rights that can change (ACL, Shared Space level). Such
-- an entry carries what that depends on (lapse_*: its contributor, the asset's owner and folder, the zero id for none;
-- all NULL for the entries that always show), and album_lapses counts the live ones per album and combination, so a
-- read evaluates the rule once per combination (a handful), whatever the album's size.
ALTER TABLE album_assets
    ADD COLUMN live         boolean NOT NULL DEFAULT true,
    ADD COLUMN lapse_adder  uuid,
    ADD COLUMN lapse_owner  uuid,
    ADD COLUMN lapse_folder uuid;

CREATE TABLE album_lapses (
    album_id  uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    adder     uuid NOT NULL,
    owner_id  uuid NOT NULL,
    folder_id uuid NOT NULL,
    n         integer NOT NULL,   -- may reach 0 and stay: readers skip those
    PRIMARY KEY (album_id, adder, owner_id, folder_id)
);

-- Shared Space folder shares belong to the admins together: the Sharing page lists them, newest change first, for any admin.
CREATE INDEX shares_folder_updated_idx ON shares (updated_at DESC, id DESC) WHERE folder_id IS NOT NULL;

-- Invitee pickers list active users by display name.
CREATE INDEX users_active_name_idx ON users (lower(display_name), id) WHERE status = 'active';

ALTER TABLE albums ADD COLUMN entry_count integer NOT NULL DEFAULT 0;              -- live entries (manual, selection)
ALTER TABLE folders
    ADD COLUMN child_count integer NOT NULL DEFAULT 0,                             -- direct subfolders
    ADD COLUMN asset_count integer NOT NULL DEFAULT 0;                             -- non-trashed files directly in it
ALTER TABLE users ADD COLUMN personal_asset_count integer NOT NULL DEFAULT 0;      -- non-trashed, in Personal Space
ALTER TABLE photo_requests
    ADD COLUMN upload_count integer NOT NULL DEFAULT 0,
    ADD COLUMN ready_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN failed_count integer NOT NULL DEFAULT 0;

-- Backfill what exists (before the triggers, which would otherwise redo it row by row).
UPDATE assets a SET in_shared_space = true FROM folders f WHERE f.id = a.folder_id AND f.space = 'shared';
UPDATE album_assets aa SET live = x.live, lapse_adder = CASE WHEN x.lapses THEN x.adder END,
       lapse_owner = CASE WHEN x.lapses THEN x.owner_id END, lapse_folder = CASE WHEN x.lapses THEN x.folder_id END
FROM (SELECT e.album_id, e.asset_id, a.trashed_at IS NULL AS live, coalesce(e.added_by, al.owner_id) AS adder, a.owner_id,
             coalesce(a.folder_id, '00000000-0000-0000-0000-000000000000') AS folder_id,
             a.in_shared_space OR a.owner_id IS DISTINCT FROM coalesce(e.added_by, al.owner_id) AS lapses
      FROM album_assets e JOIN assets a ON a.id = e.asset_id JOIN albums al ON al.id = e.album_id) x
WHERE x.album_id = aa.album_id AND x.asset_id = aa.asset_id AND (NOT x.live OR x.lapses);
INSERT INTO album_lapses (album_id, adder, owner_id, folder_id, n)
SELECT album_id, lapse_adder, lapse_owner, lapse_folder, count(*) FROM album_assets
WHERE live AND lapse_adder IS NOT NULL GROUP BY 1, 2, 3, 4;
UPDATE albums al SET entry_count = c.n
FROM (SELECT album_id, count(*) AS n FROM album_assets WHERE live GROUP BY album_id) c WHERE c.album_id = al.id;
UPDATE folders f SET asset_count = c.n
FROM (SELECT folder_id, count(*) AS n FROM assets WHERE trashed_at IS NULL AND folder_id IS NOT NULL GROUP BY folder_id) c WHERE c.folder_id = f.id;
UPDATE folders f SET child_count = c.n
FROM (SELECT parent_id, count(*) AS n FROM folders WHERE parent_id IS NOT NULL GROUP BY parent_id) c WHERE c.parent_id = f.id;
UPDATE users u SET personal_asset_count = c.n
FROM (SELECT owner_id, count(*) AS n FROM assets WHERE trashed_at IS NULL AND NOT in_shared_space GROUP BY owner_id) c WHERE c.owner_id = u.id;
UPDATE photo_requests r SET upload_count = c.n, ready_count = c.ready, failed_count = c.failed
FROM (SELECT request_id, count(*) AS n, count(*) FILTER (WHERE status = 'ready') AS ready, count(*) FILTER (WHERE status = 'failed') AS failed
      FROM photo_request_uploads GROUP BY request_id) c WHERE c.request_id = r.id;

-- Assets: which space they are in, then the folder, user and album-entry counters.
CREATE FUNCTION assets_space() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.in_shared_space := NEW.folder_id IS NOT NULL
        AND coalesce((SELECT f.space = 'shared' FROM folders f WHERE f.id = NEW.folder_id), false);
    RETURN NEW;
END
$$;

-- The counters are kept per statement, from its transition tables: a statement that writes many rows (a batch trash,
-- emptying the trash, deleting a folder, an import) updates each counter row once with the sum of its changes, instead of
-- once per row — updating one row thousands of times in a transaction costs quadratic time, as each update must find
-- the newest of its versions.

-- Applies signed changes to the folder and Personal Space counters: for each changed asset, -1 with what it counted
-- before and +1 with what it counts now (only non-trashed assets count).
CREATE FUNCTION assets_apply_counts(folder_ids uuid[], owner_ids uuid[], in_shared boolean[], n integer[]) RETURNS void
LANGUAGE sql AS $$
    WITH d AS (SELECT * FROM unnest(folder_ids, owner_ids, in_shared, n) AS d(folder_id, owner_id, in_shared, n)),
    f AS (UPDATE folders f SET asset_count = f.asset_count + s.n
          FROM (SELECT folder_id, sum(n)::int AS n FROM d WHERE folder_id IS NOT NULL GROUP BY folder_id) s
          WHERE f.id = s.folder_id AND s.n <> 0)
    UPDATE users u SET personal_asset_count = u.personal_asset_count + s.n
    FROM (SELECT owner_id, sum(n)::int AS n FROM d WHERE NOT in_shared GROUP BY owner_id) s
    WHERE u.id = s.owner_id AND s.n <> 0;
$$;

CREATE FUNCTION assets_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM assets_apply_counts(array_agg(folder_id), array_agg(owner_id), array_agg(in_shared_space), array_agg(1))
        FROM new_rows WHERE trashed_at IS NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM assets_apply_counts(array_agg(folder_id), array_agg(owner_id), array_agg(in_shared_space), array_agg(-1))
        FROM old_rows WHERE trashed_at IS NULL HAVING count(*) > 0;
    ELSE
        -- Only rows whose trash state, folder or space changed; their entries recompute what they depend on
        -- (album_assets_flags), and deletes cascade to entries instead.
        PERFORM assets_apply_counts(array_agg(c.folder_id), array_agg(c.owner_id), array_agg(c.in_shared), array_agg(c.n))
        FROM old_rows o JOIN new_rows nw ON nw.id = o.id
        CROSS JOIN LATERAL (VALUES (o.folder_id, o.owner_id, o.in_shared_space, -1, o.trashed_at IS NULL),
                                   (nw.folder_id, nw.owner_id, nw.in_shared_space, 1, nw.trashed_at IS NULL))
                           AS c(folder_id, owner_id, in_shared, n, live)
        WHERE c.live AND ((o.trashed_at IS NULL) <> (nw.trashed_at IS NULL) OR o.folder_id IS DISTINCT FROM nw.folder_id
                          OR o.in_shared_space <> nw.in_shared_space)
        HAVING count(*) > 0;
        UPDATE album_assets aa SET live = nw.trashed_at IS NULL
        FROM old_rows o JOIN new_rows nw ON nw.id = o.id
        WHERE aa.asset_id = nw.id
          AND ((o.trashed_at IS NULL) <> (nw.trashed_at IS NULL) OR o.folder_id IS DISTINCT FROM nw.folder_id
               OR o.in_shared_space <> nw.in_shared_space);
    END IF;
    RETURN NULL;
END
$$;

-- Album entries: their flags from the asset and the album, then the album's counters.
CREATE FUNCTION album_assets_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lapses boolean;
BEGIN
    SELECT a.trashed_at IS NULL, a.in_shared_space OR a.owner_id IS DISTINCT FROM coalesce(NEW.added_by, al.owner_id),
           coalesce(NEW.added_by, al.owner_id), a.owner_id, coalesce(a.folder_id, '00000000-0000-0000-0000-000000000000')
    INTO NEW.live, lapses, NEW.lapse_adder, NEW.lapse_owner, NEW.lapse_folder
    FROM assets a, albums al WHERE a.id = NEW.asset_id AND al.id = NEW.album_id;
    NEW.live := coalesce(NEW.live, false);
    IF NOT coalesce(lapses, false) THEN
        NEW.lapse_adder := NULL; NEW.lapse_owner := NULL; NEW.lapse_folder := NULL;
    END IF;
    RETURN NEW;
END
$$;

-- Applies signed changes to the albums' live-entry counters and to album_lapses: for each changed entry, -1 with what
-- it counted before and +1 with what it counts now (only live entries count; only lapsable ones in album_lapses).
CREATE FUNCTION album_entries_apply_counts(album_ids uuid[], n integer[], adders uuid[], owner_ids uuid[], folder_ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    WITH d AS (SELECT * FROM unnest(album_ids, n, adders, owner_ids, folder_ids) AS d(album_id, n, adder, owner_id, folder_id)),
    c AS (UPDATE albums al SET entry_count = al.entry_count + s.n
          FROM (SELECT album_id, sum(n)::int AS n FROM d GROUP BY album_id) s
          WHERE al.id = s.album_id AND s.n <> 0),
    l AS (SELECT album_id, adder, owner_id, folder_id, sum(n)::int AS n FROM d WHERE adder IS NOT NULL
          GROUP BY album_id, adder, owner_id, folder_id),
    minus AS (UPDATE album_lapses x SET n = x.n + l.n FROM l
              WHERE l.n < 0 AND (x.album_id, x.adder, x.owner_id, x.folder_id) = (l.album_id, l.adder, l.owner_id, l.folder_id))
    INSERT INTO album_lapses (album_id, adder, owner_id, folder_id, n)
    SELECT album_id, adder, owner_id, folder_id, n FROM l WHERE n > 0
    ON CONFLICT (album_id, adder, owner_id, folder_id) DO UPDATE SET n = album_lapses.n + EXCLUDED.n;
$$;

CREATE FUNCTION album_assets_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM album_entries_apply_counts(array_agg(album_id), array_agg(-1), array_agg(lapse_adder), array_agg(lapse_owner), array_agg(lapse_folder))
        FROM old_rows WHERE live HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM album_entries_apply_counts(array_agg(album_id), array_agg(1), array_agg(lapse_adder), array_agg(lapse_owner), array_agg(lapse_folder))
        FROM new_rows WHERE live HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;

-- Folders: the parent's subfolder counter.
CREATE FUNCTION folders_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.parent_id IS NOT DISTINCT FROM NEW.parent_id THEN RETURN NULL; END IF;
    UPDATE folders SET child_count = child_count + (CASE WHEN TG_OP <> 'DELETE' AND id = NEW.parent_id THEN 1 ELSE 0 END)
                                                 - (CASE WHEN TG_OP <> 'INSERT' AND id = OLD.parent_id THEN 1 ELSE 0 END)
    WHERE id = OLD.parent_id OR id = NEW.parent_id;
    RETURN NULL;
END
$$;

-- Photo-request uploads: the request's upload, ready and failed counters.
CREATE FUNCTION photo_request_uploads_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n_old integer := CASE WHEN TG_OP <> 'INSERT' THEN 1 ELSE 0 END;
    n_new integer := CASE WHEN TG_OP <> 'DELETE' THEN 1 ELSE 0 END;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN RETURN NULL; END IF;
    UPDATE photo_requests SET
        upload_count = upload_count + n_new - n_old,
        ready_count  = ready_count + (CASE WHEN n_new = 1 AND NEW.status = 'ready' THEN 1 ELSE 0 END)
                                   - (CASE WHEN n_old = 1 AND OLD.status = 'ready' THEN 1 ELSE 0 END),
        failed_count = failed_count + (CASE WHEN n_new = 1 AND NEW.status = 'failed' THEN 1 ELSE 0 END)
                                    - (CASE WHEN n_old = 1 AND OLD.status = 'failed' THEN 1 ELSE 0 END)
    WHERE id = coalesce(NEW.request_id, OLD.request_id);
    RETURN NULL;
END
$$;

-- The triggers, in the order a write meets them.
CREATE TRIGGER assets_space BEFORE INSERT OR UPDATE OF folder_id ON assets
    FOR EACH ROW EXECUTE FUNCTION assets_space();
-- (A trigger with transition tables takes one event and no column list.)
CREATE TRIGGER assets_counters_insert AFTER INSERT ON assets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assets_counters();
CREATE TRIGGER assets_counters_delete AFTER DELETE ON assets REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assets_counters();
CREATE TRIGGER assets_counters_update AFTER UPDATE ON assets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assets_counters();
CREATE TRIGGER album_assets_flags BEFORE INSERT OR UPDATE OF live, added_by ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_flags();
CREATE TRIGGER album_assets_counter_insert AFTER INSERT ON album_assets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION album_assets_counter();
CREATE TRIGGER album_assets_counter_delete AFTER DELETE ON album_assets REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION album_assets_counter();
CREATE TRIGGER album_assets_counter_update AFTER UPDATE ON album_assets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION album_assets_counter();
CREATE TRIGGER folders_counter AFTER INSERT OR DELETE OR UPDATE OF parent_id ON folders
    FOR EACH ROW EXECUTE FUNCTION folders_counter();
CREATE TRIGGER photo_request_uploads_counters AFTER INSERT OR DELETE OR UPDATE OF status ON photo_request_uploads
    FOR EACH ROW EXECUTE FUNCTION photo_request_uploads_counters();
