-- A share's link version: it goes up whenever what a guest's unlock was granted for changes (the link turned off or on,
-- its expiry, password, privacy or key). Unlock tokens carry it in their MAC, so a token ends with any such change,
-- whichever code path made it.
ALTER TABLE shares ADD COLUMN link_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION shares_bump_link_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.link_enabled, NEW.expires_at, NEW.password_hash, NEW.privacy, NEW.link_key_hash)
       IS DISTINCT FROM (OLD.link_enabled, OLD.expires_at, OLD.password_hash, OLD.privacy, OLD.link_key_hash) THEN
        NEW.link_version := OLD.link_version + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER shares_link_version BEFORE UPDATE ON shares
    FOR EACH ROW EXECUTE FUNCTION shares_bump_link_version();
