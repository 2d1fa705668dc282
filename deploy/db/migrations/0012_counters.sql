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

CREATE FUNCTION assets_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_live boolean := TG_OP <> 'INSERT' AND OLD.trashed_at IS NULL;
    new_live boolean := TG_OP <> 'DELETE' AND NEW.trashed_at IS NULL;
BEGIN
    IF TG_OP = 'UPDATE' AND old_live = new_live AND OLD.folder_id IS NOT DISTINCT FROM NEW.folder_id
       AND OLD.in_shared_space = NEW.in_shared_space THEN
        RETURN NULL;
    END IF;
    IF old_live THEN
        IF OLD.folder_id IS NOT NULL THEN UPDATE folders SET asset_count = asset_count - 1 WHERE id = OLD.folder_id; END IF;
        IF NOT OLD.in_shared_space THEN UPDATE users SET personal_asset_count = personal_asset_count - 1 WHERE id = OLD.owner_id; END IF;
    END IF;
    IF new_live THEN
        IF NEW.folder_id IS NOT NULL THEN UPDATE folders SET asset_count = asset_count + 1 WHERE id = NEW.folder_id; END IF;
        IF NOT NEW.in_shared_space THEN UPDATE users SET personal_asset_count = personal_asset_count + 1 WHERE id = NEW.owner_id; END IF;
    END IF;
    -- The asset's entries recompute what they depend on (album_assets_flags); deletes cascade to them instead.
    IF TG_OP = 'UPDATE' THEN
        UPDATE album_assets SET live = new_live WHERE asset_id = NEW.id;
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

CREATE FUNCTION album_assets_counter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_live  boolean := TG_OP <> 'INSERT' AND OLD.live;
    new_live  boolean := TG_OP <> 'DELETE' AND NEW.live;
    old_lapse boolean := TG_OP <> 'INSERT' AND OLD.live AND OLD.lapse_adder IS NOT NULL;
    new_lapse boolean := TG_OP <> 'DELETE' AND NEW.live AND NEW.lapse_adder IS NOT NULL;
BEGIN
    IF old_live <> new_live THEN
        UPDATE albums SET entry_count = entry_count + (CASE WHEN new_live THEN 1 ELSE -1 END) WHERE id = coalesce(NEW.album_id, OLD.album_id);
    END IF;
    IF old_lapse AND new_lapse
       AND (OLD.lapse_adder, OLD.lapse_owner, OLD.lapse_folder) = (NEW.lapse_adder, NEW.lapse_owner, NEW.lapse_folder) THEN
        RETURN NULL;
    END IF;
    IF old_lapse THEN
        UPDATE album_lapses SET n = n - 1
        WHERE album_id = OLD.album_id AND adder = OLD.lapse_adder AND owner_id = OLD.lapse_owner AND folder_id = OLD.lapse_folder;
    END IF;
    IF new_lapse THEN
        INSERT INTO album_lapses (album_id, adder, owner_id, folder_id, n) VALUES (NEW.album_id, NEW.lapse_adder, NEW.lapse_owner, NEW.lapse_folder, 1)
        ON CONFLICT (album_id, adder, owner_id, folder_id) DO UPDATE SET n = album_lapses.n + 1;
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
CREATE TRIGGER assets_counters AFTER INSERT OR DELETE OR UPDATE OF folder_id, trashed_at ON assets
    FOR EACH ROW EXECUTE FUNCTION assets_counters();
CREATE TRIGGER album_assets_flags BEFORE INSERT OR UPDATE OF live, added_by ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_flags();
CREATE TRIGGER album_assets_counter AFTER INSERT OR DELETE OR UPDATE OF live, added_by, lapse_adder, lapse_owner, lapse_folder ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_counter();
CREATE TRIGGER folders_counter AFTER INSERT OR DELETE OR UPDATE OF parent_id ON folders
    FOR EACH ROW EXECUTE FUNCTION folders_counter();
CREATE TRIGGER photo_request_uploads_counters AFTER INSERT OR DELETE OR UPDATE OF status ON photo_request_uploads
    FOR EACH ROW EXECUTE FUNCTION photo_request_uploads_counters();
