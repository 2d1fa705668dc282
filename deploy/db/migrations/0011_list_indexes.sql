-- Indexes that let every list page be an index range scan that stops at its LIMIT, whatever the size of the library
-- and of everyone else's: the trash in the timeline's order, tags matched case-insensitively, substring search, and
-- album entries ordered by their asset's date.

-- The trash lists newest taken first, like the timeline (assets_trash_idx orders by when things were trashed, for purging).
CREATE INDEX assets_trash_order_idx ON assets (owner_id, taken_at DESC, id DESC) WHERE trashed_at IS NOT NULL;

-- Tags are matched case-insensitively: an immutable lower-casing of the array makes that match indexable. Lists walk
-- one owner's library at a time, and a tag rare in one library may be common in others: the index keys each tag by its
-- owner ('<owner id>:<tag>'), so a tag filter reads only that owner's matches, and the planner's element statistics say
-- how common the tag is in that library (walk the timeline for a common tag, read the few matches of a rare one).
-- Not STRICT, so that they can be inlined where they filter rows.
CREATE FUNCTION lower_tags(tags text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array(SELECT lower(t) FROM unnest(tags) AS t);
CREATE FUNCTION owner_tags(owner_id uuid, tags text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array(SELECT owner_id::text || ':' || lower(t) FROM unnest(tags) AS t);
CREATE INDEX assets_owner_tags_idx ON assets USING gin (owner_tags(owner_id, tags));

-- Substring search (ILIKE '%…%') over the file name, the description and the tags, with trigrams. The text joins the
-- fields with line breaks: a search without one matches the text exactly where it matches a field (a search with one
-- checks each field on its own as well).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION asset_search_text(file_name text, description text, tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN file_name || E'\n' || description || E'\n' || array_to_string(tags, E'\n');
CREATE INDEX assets_search_idx ON assets USING gin (asset_search_text(original_file_name, description, tags) gin_trgm_ops);

-- Album pages walk an album's entries in the order of their assets' dates (newest or oldest first: the same index,
-- read either way), so each entry carries its asset's taken_at. Triggers keep it in step for every writer: an entry
-- takes its asset's date when written, and an asset's new date (set by the user, or read from EXIF by the worker)
-- moves all its entries.
ALTER TABLE album_assets ADD COLUMN taken_at timestamptz;
UPDATE album_assets aa SET taken_at = a.taken_at FROM assets a WHERE a.id = aa.asset_id;
ALTER TABLE album_assets ALTER COLUMN taken_at SET NOT NULL;
CREATE INDEX album_assets_order_idx ON album_assets (album_id, taken_at DESC, asset_id DESC);

-- FOR SHARE waits for a concurrent change of the asset's date to commit and reads the new one; a change that starts
-- after it waits for this entry to commit, and then updates it.
CREATE FUNCTION album_assets_take_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.taken_at := (SELECT a.taken_at FROM assets a WHERE a.id = NEW.asset_id FOR SHARE);
    RETURN NEW;
END $$;
CREATE TRIGGER album_assets_take_date BEFORE INSERT OR UPDATE OF asset_id, taken_at ON album_assets
    FOR EACH ROW EXECUTE FUNCTION album_assets_take_date();

CREATE FUNCTION assets_move_album_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE album_assets SET taken_at = NEW.taken_at WHERE asset_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER assets_move_album_entries AFTER UPDATE OF taken_at ON assets
    FOR EACH ROW WHEN (OLD.taken_at IS DISTINCT FROM NEW.taken_at) EXECUTE FUNCTION assets_move_album_entries();
