-- Archive links: a zip download a browser can start as a plain link (createArchiveLink → GET
-- /downloads/archive-links/{token}). Only the SHA-256 of the 256-bit token is kept. A link remembers who made it — the
-- user, and the session or API key they made it with (it dies with that credential) — and the one request it is for;
-- the access stage resolves it to that user, and the download asks the access policy again, as that user, when it runs.
CREATE TABLE archive_links (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid REFERENCES sessions (id) ON DELETE CASCADE,
    api_key_id uuid REFERENCES api_keys (id) ON DELETE CASCADE,
    asset_ids  uuid[],
    album_id   uuid REFERENCES albums (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK ((asset_ids IS NULL) <> (album_id IS NULL)),
    CHECK ((session_id IS NULL) <> (api_key_id IS NULL))
);
-- Expired links are deleted when a link is made (a range of this index).
CREATE INDEX archive_links_expires_idx ON archive_links (expires_at);
