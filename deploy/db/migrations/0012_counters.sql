-- Counters the lists show (album sizes, folder contents, a partner's library, photo-request uploads), kept in step by
-- triggers in the same transaction as every write, whichever process makes it (API or worker), so a list reads a
-- number instead of counting members per row per request.

-- Whether an asset is in a Shared Space folder (a folder never changes space; NULL folder = the owner's Personal Space).
-- Kept by a trigger so that when a folder is deleted and its assets fall back to the top of the Personal Space, the
-- counters still know which side they were on.
ALTER TABLE assets ADD COLUMN in_shared_space boolean NOT NULL DEFAULT false;

-- An album entry is live while its asset is not in the trash. It may lapse when the asset is in Shared Space or is not
-- its contributor's own: then whether it still shows depends on rights that can change (ACL, Shared Space level), and
-- the read evaluates them over album_assets_lapsing_idx; every other live entry always shows.
ALTER TABLE album_assets
    ADD COLUMN live      boolean NOT NULL DEFAULT true,
    ADD COLUMN may_lapse boolean NOT NULL DEFAULT false;
CREATE INDEX album_assets_lapsing_idx ON album_assets (album_id) WHERE may_lapse;

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
UPDATE album_assets aa SET live = a.trashed_at IS NULL,
                           may_lapse = a.in_shared_space OR a.owner_id IS DISTINCT FROM coalesce(aa.added_by, al.owner_id)
FROM assets a, albums al WHERE a.id = aa.asset_id AND al.id = aa.album_id;
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
    -- The asset's entries recompute live / may_lapse (album_assets_flags); deletes cascade to them instead.
    IF TG_OP = 'UPDATE' AND (old_live <> new_live OR OLD.in_shared_space <> NEW.in_shared_space) THEN
        UPDATE album_assets SET live = new_live WHERE asset_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

-- Album entries: their flags from the asset and the album, then the album's live-entry counter.
CREATE FUNCTION album_assets_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.trashed_at IS NULL, a.in_shared_space OR a.owner_id IS DISTINCT FROM coalesce(NEW.added_by, al.owner_id)
    INTO NEW.live, NEW.may_lapse
    FROM assets a, albums al WHERE a.id = NEW.asset_id AND al.id = NEW.album_id;
    NEW.live := coalesce(NEW.live, false);
    NEW.may_lapse := coalesce(NEW.may_lapse, true);
    RETURN NEW;
END
$$;

CREATE FUNCTION album_assets_counter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := (CASE WHEN TG_OP <> 'DELETE' AND NEW.live THEN 1 ELSE 0 END)
                   - (CASE WHEN TG_OP <> 'INSERT' AND OLD.live THEN 1 ELSE 0 END);
BEGIN
    IF delta <> 0 THEN
        UPDATE albums SET entry_count = entry_count + delta WHERE id = coalesce(NEW.album_id, OLD.album_id);
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
CREATE TRIGGER album_assets_flags BEFORE INSERT OR UPDATE OF live, may_lapse, added_by ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_flags();
CREATE TRIGGER album_assets_counter AFTER INSERT OR DELETE OR UPDATE OF live ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_counter();
CREATE TRIGGER folders_counter AFTER INSERT OR DELETE OR UPDATE OF parent_id ON folders
    FOR EACH ROW EXECUTE FUNCTION folders_counter();
CREATE TRIGGER photo_request_uploads_counters AFTER INSERT OR DELETE OR UPDATE OF status ON photo_request_uploads
    FOR EACH ROW EXECUTE FUNCTION photo_request_uploads_counters();
