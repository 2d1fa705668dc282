using System.Data;
using System.Net.Http.Json;
using Dapper;
using Npgsql;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>
/// A library big enough for PostgreSQL's planner to prefer an index over reading a whole table: ~52,000 assets of 20
/// users and ~22,000 album entries, with every kind of list the API serves having something to show beyond its first
/// page. The people and what they share are made through the API, as users would; the bulk rows are inserted with SQL
/// (uploading 50,000 files would take hours), then the tables are analyzed so the planner knows their sizes.
/// </summary>
public static class PlanSeed
{
    /// <summary>
    /// alice: a big library (trash, a tagged and rated spread, a folder, a 5,000-entry album and a conditional one, albums
    /// with covers shared with bob, a photo request with uploads, API keys, expired exports) with carol's library in her timeline. bob: viewer of
    /// alice's albums, directly and through a group. dave: a Custom Shared Space user with folder permissions. The
    /// admin: a Shared Space folder of files, on a public link like alice's big album.
    /// </summary>
    public sealed record Library(
        Session Alice, Session Bob, Session Carol, Session Dave, Session Admin,
        Guid TripsFolder, Guid BigAlbum, Guid ConditionalAlbum, Guid TeamFolder, Guid PhotoRequest,
        string AlbumLinkKey, string FolderLinkKey);

    public const int AliceAssets = 20_000;
    public const int BigAlbumEntries = 5_000;
    public const string Tag = "family";
    public const string Words = "sunset";

    public static async Task<Library> SeedAsync(ApiFactory api)
    {
        var alice = await api.NewUserAsync("alice");
        var bob = await api.NewUserAsync("bob");
        var carol = await api.NewUserAsync("carol");
        var dave = await api.NewUserAsync("dave");
        var admin = api.Admin with { UserId = (await api.Admin.Client.GetAsync("/api/v1/users/me").Json<User>()).Id };

        // Partners: carol and bob share with alice (carol's library in alice's timeline); alice shares with bob and dave.
        foreach (var (from, to) in new[] { (carol, alice), (bob, alice), (alice, bob), (alice, dave) })
            await from.Client.PostAsJsonAsync("/api/v1/partners", new { userId = to.UserId }).ShouldBe(201);
        await alice.Client.PatchAsJsonAsync($"/api/v1/partners/{carol.UserId}", new { inTimeline = true }).ShouldBe(200);

        var trips = await NewFolderAsync(alice, new { name = "Trips" });
        var bigAlbum = await alice.CreateAlbumAsync("Everything");
        var conditional = await alice.Client.PostAsJsonAsync("/api/v1/albums",
            new { name = "Best", kind = "conditional", conditions = new { minRating = 4 } }).Json<Album>(201);

        // Shared Space: the admin's folders with files; dave (Custom) may view two of them.
        await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var team = await NewFolderAsync(admin, new { name = "Team", space = "shared" });
        var archive = await NewFolderAsync(admin, new { name = "Archive", space = "shared" });
        await admin.Client.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = new[] { new { principalType = "user", principalId = dave.UserId, level = "custom" } } }).ShouldBe(200);
        foreach (var folder in new[] { team, archive })
            await admin.Client.PutAsJsonAsync($"/api/v1/folders/{folder}/permissions", new
            {
                entries = new[] { new { principalType = "user", principalId = dave.UserId, role = "viewer" } },
            }).ShouldBe(200);

        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = "Family", memberIds = new[] { bob.UserId } }).Json(201);
        for (var i = 0; i < 3; i++)
            await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = $"Club {i}" }).ShouldBe(201);
        for (var i = 0; i < 3; i++)
            await alice.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = $"frame {i}" }).ShouldBe(201);
        var request = (await alice.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party", albumId = bigAlbum.Id }).Json(201))
            .GetProperty("id").GetGuid();
        for (var i = 0; i < 2; i++)
            await alice.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = $"Request {i}" }).ShouldBe(201);

        await using var conn = new NpgsqlConnection(api.ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(Functions);
        var others = (await conn.QueryAsync<Guid>(InsertUsers, new { count = 15 })).ToList();

        var batch = 0;
        Task Photos(Guid owner, int count, Guid? folder = null, int inFolderFrom = 1, int inFolderTo = int.MaxValue) =>
            conn.ExecuteAsync(InsertAssets, new { owner, count, folder, inFolderFrom, inFolderTo, seed = ++batch });
        // 3,000 of alice's photos (after her newest 2,000) are in her Trips folder.
        await Photos(alice.UserId, AliceAssets, trips, 2_001, 5_000);
        await Photos(carol.UserId, 5_000);
        await Photos(bob.UserId, 1_000);
        await Photos(admin.UserId, 5_000, team);
        await Photos(admin.UserId, 500, archive);
        foreach (var other in others) await Photos(other, 1_300);

        // Alice's big album holds her newest 5,000 photos; every other user has 5 albums of 200 entries.
        await conn.ExecuteAsync(FillAlbum, new { album = bigAlbum.Id, owner = alice.UserId, count = BigAlbumEntries, skip = 0 });
        await conn.ExecuteAsync(InsertAlbums, new { owners = others.ToArray(), perOwner = 5, entries = 200 });
        await conn.ExecuteAsync(InsertFolders, new { owner = alice.UserId, count = 12 });
        await conn.ExecuteAsync(InsertUploads, new { request, owner = alice.UserId, count = 300 });
        // A history of exports: 3 of alice's, 40 of each other user's.
        await conn.ExecuteAsync(InsertExports, new { owners = new[] { alice.UserId }, perOwner = 3 });
        await conn.ExecuteAsync(InsertExports, new { owners = others.ToArray(), perOwner = 40 });

        // Albums shared with bob (one through his group), carol's albums shared with alice, each with entries.
        for (var i = 0; i < 6; i++)
        {
            var album = await alice.CreateAlbumAsync($"Shared {i}");
            await conn.ExecuteAsync(FillAlbum, new { album = album.Id, owner = alice.UserId, count = 50, skip = 100 * i });
            // Covers, which bob's Sharing page signs for him.
            var cover = await conn.QueryFirstAsync<Guid>("SELECT asset_id FROM album_assets WHERE album_id = @album ORDER BY asset_id LIMIT 1", new { album = album.Id });
            await alice.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = cover }).ShouldBe(200);
            if (i == 0)
                await alice.Client.PostAsJsonAsync("/api/v1/shares", new
                {
                    target = new { type = "album", id = album.Id },
                    invitees = new[] { new { principalType = "group", principalId = group.GetProperty("id").GetGuid(), role = "viewer" } },
                }).ShouldBe(201);
            else
                await alice.ShareAlbumAsync(album.Id, (bob, "viewer"));
        }
        for (var i = 0; i < 3; i++)
        {
            var album = await carol.CreateAlbumAsync($"Carol {i}");
            await conn.ExecuteAsync(FillAlbum, new { album = album.Id, owner = carol.UserId, count = 50, skip = 100 * i });
            await carol.ShareAlbumAsync(album.Id, (alice, "downloader"));
        }
        var selection = await conn.QueryAsync<Guid>("SELECT id FROM assets WHERE owner_id = @alice AND trashed_at IS NULL ORDER BY id LIMIT 20", new { alice = alice.UserId });
        await alice.ShareSelectionAsync(selection.ToArray(), (bob, "viewer"));

        // The big album: shared with bob and on a public link; the Team folder on a public link too.
        var albumShare = await alice.ShareAlbumAsync(bigAlbum.Id, (bob, "viewer"));
        await alice.Client.PatchAsJsonAsync($"/api/v1/shares/{albumShare.Id}", new { linkEnabled = true, privacy = "public" }).ShouldBe(200);
        var folderShare = await admin.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "folder", id = team }, linkEnabled = true }).Json(201);
        await admin.Client.PatchAsJsonAsync($"/api/v1/shares/{folderShare.GetProperty("id").GetGuid()}", new { privacy = "public" }).ShouldBe(200);

        await conn.ExecuteAsync(new CommandDefinition("ANALYZE", commandType: CommandType.Text));
        return new Library(alice, bob, carol, dave, admin, trips, bigAlbum.Id, conditional.Id, team, request,
            albumShare.Key, folderShare.GetProperty("key").GetString()!);
    }

    private static async Task<Guid> NewFolderAsync(Session session, object body) =>
        (await session.Client.PostAsJsonAsync("/api/v1/folders", body).Json(201)).GetProperty("id").GetGuid();

    /// <summary>UUIDv7 of a time (ids sort by creation time, as the application's do).</summary>
    private const string Functions = """
        CREATE FUNCTION pg_temp.v7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
            SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
                    || '8' || substr(md5(random()::text), 1, 15))::uuid
        $$;
        """;

    private const string InsertUsers = """
        INSERT INTO users (id, username, email, display_name, password_hash, role, status)
        SELECT pg_temp.v7(now()), 'bulk-' || g || '-' || left(md5(random()::text), 6), 'bulk-' || g || '-' || left(md5(random()::text), 6) || '@example.test',
               'Bulk user ' || g, 'not-a-password-hash', 'user', 'active'
        FROM generate_series(1, @count) g
        RETURNING id
        """;

    /// <summary>
    /// Photos taken every 37 minutes back from now, created in the same order, numbers inFolderFrom–inFolderTo in the
    /// folder; one in 40 in the trash, one in 20 tagged, one in 50 described with <see cref="Words"/>, one in 10 a video,
    /// ratings 0–5 in turn.
    /// </summary>
    private const string InsertAssets = $$"""
        INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                            taken_at, taken_at_source, width, height, rating, tags, description, status, trashed_at, created_at, updated_at)
        SELECT pg_temp.v7(s.ts), @owner, CASE WHEN s.g BETWEEN @inFolderFrom AND @inFolderTo THEN @folder END, s.sum, 'originals/' || substr(encode(s.sum, 'hex'), 1, 2) || '/' || substr(encode(s.sum, 'hex'), 3, 2)
                   || '/' || encode(s.sum, 'hex'),
               1000 + s.g, CASE WHEN s.g % 10 = 0 THEN 'video' ELSE 'image' END, CASE WHEN s.g % 10 = 0 THEN 'video/mp4' ELSE 'image/jpeg' END,
               'IMG_' || lpad(s.g::text, 6, '0') || CASE WHEN s.g % 10 = 0 THEN '.mp4' ELSE '.jpg' END,
               s.ts, 'exif', 640, 480, s.g % 6,
               CASE WHEN s.g % 20 = 3 THEN ARRAY['{{Tag}}', 'summer'] WHEN s.g % 7 = 0 THEN ARRAY['beach'] ELSE '{}' END,
               CASE WHEN s.g % 50 = 0 THEN '{{Words}} at the lake' ELSE '' END,
               'ready', CASE WHEN s.g % 40 = 0 THEN now() - interval '1 day' END, s.ts, s.ts
        FROM (SELECT g, now() - g * interval '37 minutes' - @seed * interval '1 second' AS ts,
                     sha256(convert_to(@owner::text || ':' || @seed || ':' || g, 'UTF8')) AS sum
              FROM generate_series(1, @count) g) s
        """;

    private const string FillAlbum = """
        INSERT INTO album_assets (album_id, asset_id, added_by, added_at)
        SELECT @album, id, @owner, now() FROM assets
        WHERE owner_id = @owner AND trashed_at IS NULL ORDER BY taken_at DESC OFFSET @skip LIMIT @count
        """;

    private const string InsertAlbums = """
        WITH made AS (
            INSERT INTO albums (id, owner_id, kind, name)
            SELECT pg_temp.v7(now()), o, 'manual', 'Album ' || n FROM unnest(@owners) o, generate_series(1, @perOwner) n
            RETURNING id, owner_id)
        INSERT INTO album_assets (album_id, asset_id, added_by, added_at)
        SELECT m.id, a.id, m.owner_id, now() FROM made m
        CROSS JOIN LATERAL (SELECT id FROM assets WHERE owner_id = m.owner_id AND trashed_at IS NULL ORDER BY random() LIMIT @entries) a
        """;

    private const string InsertFolders = """
        INSERT INTO folders (id, space, owner_id, name, created_by)
        SELECT pg_temp.v7(now()), 'personal', @owner, 'Folder ' || g, @owner FROM generate_series(1, @count) g
        """;

    /// <summary>Expired exports, one a week back from now for each owner.</summary>
    private const string InsertExports = """
        INSERT INTO exports (id, owner_id, status, asset_count, total_bytes, created_at, prepared_at, expires_at)
        SELECT pg_temp.v7(t), o, 'expired', 100, 100000, t, t + interval '1 minute', t + interval '3 days'
        FROM unnest(@owners) o, generate_series(1, @perOwner) n, LATERAL (SELECT now() - n * interval '7 days' AS t) made
        """;

    private const string InsertUploads = """
        INSERT INTO photo_request_uploads (id, request_id, status, file_name, size_bytes, asset_id)
        SELECT pg_temp.v7(a.created_at), @request, 'ready', 'guest-' || row_number() OVER () || '.jpg', a.size_bytes, a.id
        FROM (SELECT id, created_at, size_bytes FROM assets WHERE owner_id = @owner ORDER BY id DESC LIMIT @count) a
        """;
}
