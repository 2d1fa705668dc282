-- An update of album entries applies its counter changes once, as their sum per album, instead of a -1 pass then a +1
-- pass. An update that changes no count (a photo's date moved by the worker, which rewrites its entries' taken_at) then
-- writes no album row at all. It used to lock each of the photo's albums (to subtract one and add it back) after
-- locking the entries: the opposite order of deleting an album (the album row, then its entries by cascade), so a
-- photo processed while its album was deleted could deadlock the two.
CREATE OR REPLACE FUNCTION album_assets_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM album_entries_apply_counts(array_agg(album_id), array_agg(-1), array_agg(lapse_adder), array_agg(lapse_owner), array_agg(lapse_folder))
        FROM old_rows WHERE live HAVING count(*) > 0;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM album_entries_apply_counts(array_agg(album_id), array_agg(1), array_agg(lapse_adder), array_agg(lapse_owner), array_agg(lapse_folder))
        FROM new_rows WHERE live HAVING count(*) > 0;
    ELSE
        -- One pass: album_entries_apply_counts sums per album (and per lapse), and writes only sums that are not zero.
        PERFORM album_entries_apply_counts(array_agg(d.album_id), array_agg(d.n), array_agg(d.adder), array_agg(d.owner_id), array_agg(d.folder_id))
        FROM (SELECT album_id, -1 AS n, lapse_adder AS adder, lapse_owner AS owner_id, lapse_folder AS folder_id FROM old_rows WHERE live
              UNION ALL
              SELECT album_id, 1, lapse_adder, lapse_owner, lapse_folder FROM new_rows WHERE live) d
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
