-- The top of each Personal Space: the files in no folder (listAssets?inFolder=false), in the timeline's order. Without
-- it that page walks the owner's whole timeline index to find the few files not in a folder of a library sorted into
-- folders; with it, a range of this index stops at the page whatever the rest of the library holds.
CREATE INDEX assets_personal_root_idx ON assets (owner_id, taken_at DESC, id DESC) WHERE trashed_at IS NULL AND folder_id IS NULL;
