using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class FolderTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public sealed record Crumb(Guid Id, string Name);

    public sealed record Folder(
        Guid Id, string Name, string Space, Guid? ParentId, Guid? OwnerId, Guid? CoverAssetId, List<Crumb> Path,
        int ChildCount, int AssetCount, Guid? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt);

    private sealed record AssetRow(Guid Id, Guid OwnerId, Guid? FolderId, byte[] Checksum, string BlobKey, DateTime? TrashedAt);

    private static Task<Folder> CreateAsync(Session s, string name, Guid? parentId = null, string? space = null) =>
        s.Client.PostAsJsonAsync("/api/v1/folders", new { name, parentId, space }).Json<Folder>(201);

    private static Task<Folder> GetAsync(Session s, Guid id) => s.Client.GetAsync($"/api/v1/folders/{id}").Json<Folder>();

    private static Task<Page<Folder>> ListAsync(Session s, string query = "") => s.Client.GetAsync($"/api/v1/folders{query}").Json<Page<Folder>>();

    /// <summary>Uploads random bytes (so never a duplicate) into a folder through uploadAsset.</summary>
    private static async Task<Guid> UploadAsync(Session s, Guid? folderId)
    {
        using var form = new MultipartFormDataContent();
        if (folderId is not null) form.Add(new StringContent(folderId.Value.ToString()), "folderId");
        var file = new ByteArrayContent(RandomNumberGenerator.GetBytes(2048));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "notes.bin");
        return (await s.Client.PostAsync("/api/v1/assets", form).Json<JsonElement>(201)).GetProperty("id").GetGuid();
    }

    private async Task<List<AssetRow>> AssetsAsync(string where, object args)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return (await conn.QueryAsync<AssetRow>($"SELECT id, owner_id, folder_id, checksum, blob_key, trashed_at FROM assets WHERE {where} ORDER BY id", args)).AsList();
    }

    [Fact]
    public async Task Folders_are_created_nested_read_listed_and_renamed()
    {
        var user = await api.NewUserAsync("folders");
        var holidays = await CreateAsync(user, "  Holidays  ");
        Assert.Equal("Holidays", holidays.Name);
        Assert.Equal("personal", holidays.Space);
        Assert.Equal(user.UserId, holidays.OwnerId);
        Assert.Equal(user.UserId, holidays.CreatedBy);
        Assert.Null(holidays.ParentId);
        Assert.Empty(holidays.Path);
        Assert.Equal(7, holidays.Id.Version);

        var year = await CreateAsync(user, "2024", holidays.Id, "personal");
        Assert.Equal(holidays.Id, year.ParentId);
        Assert.Equal(user.UserId, year.OwnerId);
        var trip = await CreateAsync(user, "Rome", year.Id);

        var read = await GetAsync(user, trip.Id);
        Assert.Equal([new Crumb(holidays.Id, "Holidays"), new Crumb(year.Id, "2024")], read.Path);
        var top = await GetAsync(user, holidays.Id);
        Assert.Equal((1, 0), (top.ChildCount, top.AssetCount));

        // Top level of the caller's own Personal Space (the default space), and the children of a folder.
        var topLevel = await ListAsync(user);
        Assert.Equal([holidays.Id], topLevel.Items.Select(f => f.Id));
        Assert.Null(topLevel.NextCursor);
        Assert.Equal(topLevel.Items, (await ListAsync(user, "?space=personal")).Items, new FolderIdComparer());
        var children = await ListAsync(user, $"?parentId={year.Id}");
        var child = Assert.Single(children.Items);
        Assert.Equal(trip.Id, child.Id);
        Assert.Equal([new Crumb(holidays.Id, "Holidays"), new Crumb(year.Id, "2024")], child.Path);

        var renamed = await user.Client.PatchAsJsonAsync($"/api/v1/folders/{year.Id}", new { name = " Year 2024 " }).Json<Folder>();
        Assert.Equal("Year 2024", renamed.Name);
        Assert.True(renamed.UpdatedAt >= year.UpdatedAt);
        Assert.Equal("Year 2024", (await GetAsync(user, trip.Id)).Path[1].Name);
        // A case-only rename of the folder itself is no clash.
        Assert.Equal("YEAR 2024", (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{year.Id}", new { name = "YEAR 2024" }).Json<Folder>()).Name);
        // An empty patch changes nothing.
        Assert.Equal("YEAR 2024", (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{year.Id}", new { }).Json<Folder>()).Name);

        // Another user's Personal Space is their own.
        var other = await api.NewUserAsync();
        Assert.Empty((await ListAsync(other)).Items);
    }

    [Fact]
    public async Task Lists_are_ordered_by_name_case_insensitively_and_paged()
    {
        var user = await api.NewUserAsync();
        var parent = await CreateAsync(user, "Albums");
        foreach (var name in new[] { "delta", "Bravo", "alpha", "Charlie", "echo" }) await CreateAsync(user, name, parent.Id);

        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ListAsync(user, $"?parentId={parent.Id}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(f => f.Name));
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null && pages < 10);
        Assert.Equal(["alpha", "Bravo", "Charlie", "delta", "echo"], names);
        Assert.Equal(3, pages);

        var bad = await user.Client.GetAsync($"/api/v1/folders?parentId={parent.Id}&cursor=%21%21");
        Assert.Contains("cursor", (await bad.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".")]
    [InlineData(" .. ")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    public async Task Bad_names_are_refused_naming_the_field(string name)
    {
        var user = await api.NewUserAsync();
        var create = await user.Client.PostAsJsonAsync("/api/v1/folders", new { name });
        Assert.Contains("name", (await create.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);

        var folder = await CreateAsync(user, "Fine");
        var rename = await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { name });
        Assert.Contains("name", (await rename.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        Assert.Equal("Fine", (await GetAsync(user, folder.Id)).Name);
        Assert.Empty((await ListAsync(user, $"?parentId={folder.Id}")).Items);
    }

    [Fact]
    public async Task Other_bad_input_is_refused()
    {
        var user = await api.NewUserAsync();
        Assert.Equal(255, (await CreateAsync(user, new string('x', 255))).Name.Length);
        var tooLong = await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = new string('x', 256) });
        Assert.Contains("name", (await tooLong.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var badSpace = await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "x", space = "everywhere" });
        Assert.Contains("space", (await badSpace.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var listSpace = await user.Client.GetAsync("/api/v1/folders?space=everywhere");
        Assert.Contains("space", (await listSpace.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        await (await user.Client.GetAsync("/api/v1/folders?limit=0")).ShouldBeProblem(400, "validation.failed");
        await (await user.Client.GetAsync("/api/v1/folders/not-a-uuid")).ShouldBeProblem(400, "validation.failed");
        var unknown = await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "x", extra = 1 });
        Assert.Contains("extra", (await unknown.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);

        var folder = await CreateAsync(user, "Box");
        // parentId is required on move and copy (null means the top level), so an empty body does nothing.
        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{folder.Id}/move", new { })).ShouldBeProblem(400, "request.malformed");
        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{folder.Id}/copy", new { })).ShouldBeProblem(400, "request.malformed");
        Assert.Null((await GetAsync(user, folder.Id)).ParentId);
        var both = await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { coverAssetId = Guid.NewGuid(), clearCover = true });
        Assert.Contains("clearCover", (await both.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        await (await api.NewClient().GetAsync("/api/v1/folders")).ShouldBeProblem(401, "auth.unauthenticated");
        await (await api.NewClient().PostAsJsonAsync("/api/v1/folders", new { name = "x" })).ShouldBeProblem(401, "auth.unauthenticated");
    }

    [Fact]
    public async Task Sibling_names_clash_case_insensitively()
    {
        var user = await api.NewUserAsync();
        var trips = await CreateAsync(user, "Trips");
        var clash = await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = " TRIPS " });
        Assert.Contains("name", (await clash.ShouldBeProblem(409, "folder.name_taken")).Errors!.Keys);

        // The same name is fine under another parent and in another user's space.
        var inside = await CreateAsync(user, "Trips", trips.Id);
        await CreateAsync(await api.NewUserAsync(), "Trips");

        var other = await CreateAsync(user, "Other");
        await (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{other.Id}", new { name = "trips" })).ShouldBeProblem(409, "folder.name_taken");
        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{inside.Id}/move", new { parentId = (Guid?)null })).ShouldBeProblem(409, "folder.name_taken");
        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{inside.Id}/copy", new { parentId = (Guid?)null })).ShouldBeProblem(409, "folder.name_taken");
        Assert.Equal(trips.Id, (await GetAsync(user, inside.Id)).ParentId);
        Assert.Equal(2, (await ListAsync(user)).Items.Count);
    }

    [Fact]
    public async Task Another_users_folder_is_not_found_for_every_operation()
    {
        var owner = await api.NewUserAsync("owner");
        var stranger = await api.NewUserAsync("stranger");
        var folder = await CreateAsync(owner, "Private");
        var child = await CreateAsync(owner, "Inner", folder.Id);
        var mine = await CreateAsync(stranger, "Mine");
        var c = stranger.Client;
        var id = folder.Id;

        await (await c.GetAsync($"/api/v1/folders/{id}")).ShouldBeProblem(404, "resource.not_found");
        await (await c.GetAsync($"/api/v1/folders?parentId={id}")).ShouldBeProblem(404, "resource.not_found");
        await (await c.PatchAsJsonAsync($"/api/v1/folders/{id}", new { name = "Mine now" })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PatchAsJsonAsync($"/api/v1/folders/{id}", new { clearCover = true })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PatchAsJsonAsync($"/api/v1/folders/{id}", new { })).ShouldBeProblem(404, "resource.not_found");
        await (await c.DeleteAsync($"/api/v1/folders/{id}")).ShouldBeProblem(404, "resource.not_found");
        await (await c.PostAsJsonAsync($"/api/v1/folders/{id}/move", new { parentId = mine.Id })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PostAsJsonAsync($"/api/v1/folders/{mine.Id}/move", new { parentId = id })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PostAsJsonAsync($"/api/v1/folders/{id}/copy", new { parentId = mine.Id })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PostAsJsonAsync($"/api/v1/folders/{mine.Id}/copy", new { parentId = id })).ShouldBeProblem(404, "resource.not_found");
        await (await c.PostAsJsonAsync("/api/v1/folders", new { name = "Intruder", parentId = id })).ShouldBeProblem(404, "resource.not_found");
        // A folder that does not exist answers the same.
        await (await c.GetAsync($"/api/v1/folders/{Guid.CreateVersion7()}")).ShouldBeProblem(404, "resource.not_found");

        var after = await GetAsync(owner, id);
        Assert.Equal(("Private", 1), (after.Name, after.ChildCount));
        Assert.Equal(id, (await GetAsync(owner, child.Id)).ParentId);
        Assert.Equal(0, (await GetAsync(stranger, mine.Id)).ChildCount);
    }

    [Fact]
    public async Task Move_reparents_a_subtree_and_refuses_cycles()
    {
        var user = await api.NewUserAsync();
        var a = await CreateAsync(user, "A");
        var b = await CreateAsync(user, "B", a.Id);
        var c = await CreateAsync(user, "C", b.Id);
        var d = await CreateAsync(user, "D");

        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/move", new { parentId = a.Id })).ShouldBeProblem(400, "folder.cycle");
        var cycle = await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/move", new { parentId = c.Id });
        Assert.Contains("parentId", (await cycle.ShouldBeProblem(400, "folder.cycle")).Errors!.Keys);

        var moved = await user.Client.PostAsJsonAsync($"/api/v1/folders/{b.Id}/move", new { parentId = d.Id }).Json<Folder>();
        Assert.Equal(d.Id, moved.ParentId);
        Assert.Equal([new Crumb(d.Id, "D")], moved.Path);
        Assert.Equal([new Crumb(d.Id, "D"), new Crumb(b.Id, "B")], (await GetAsync(user, c.Id)).Path);
        Assert.Equal(0, (await GetAsync(user, a.Id)).ChildCount);

        // Now A may go under C (it is no longer an ancestor); then back to the top level.
        Assert.Equal(c.Id, (await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/move", new { parentId = c.Id }).Json<Folder>()).ParentId);
        var top = await user.Client.PostAsJsonAsync($"/api/v1/folders/{c.Id}/move", new { parentId = (Guid?)null }).Json<Folder>();
        Assert.Null(top.ParentId);
        Assert.Empty(top.Path);
        Assert.Equal([new Crumb(c.Id, "C")], (await GetAsync(user, a.Id)).Path);
        Assert.Equal(["C", "D"], (await ListAsync(user)).Items.Select(f => f.Name));
    }

    [Fact]
    public async Task Copy_duplicates_the_subtree_with_new_ids()
    {
        var user = await api.NewUserAsync();
        var a = await CreateAsync(user, "A");
        var b = await CreateAsync(user, "B", a.Id);
        var c = await CreateAsync(user, "C", b.Id);
        var target = await CreateAsync(user, "Target");

        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/copy", new { parentId = a.Id })).ShouldBeProblem(400, "folder.cycle");
        await (await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/copy", new { parentId = c.Id })).ShouldBeProblem(400, "folder.cycle");

        var copy = await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/copy", new { parentId = target.Id }).Json<Folder>(201);
        Assert.NotEqual(a.Id, copy.Id);
        Assert.Equal(("A", target.Id, 1), (copy.Name, copy.ParentId, copy.ChildCount));
        Assert.Equal([new Crumb(target.Id, "Target")], copy.Path);
        var copiedB = Assert.Single((await ListAsync(user, $"?parentId={copy.Id}")).Items);
        Assert.Equal("B", copiedB.Name);
        Assert.NotEqual(b.Id, copiedB.Id);
        var copiedC = Assert.Single((await ListAsync(user, $"?parentId={copiedB.Id}")).Items);
        Assert.Equal(("C", user.UserId), (copiedC.Name, copiedC.OwnerId));
        Assert.NotEqual(c.Id, copiedC.Id);

        // The original is untouched; a copy of a subfolder may go to the top level.
        Assert.Equal(b.Id, (await GetAsync(user, c.Id)).ParentId);
        var topCopy = await user.Client.PostAsJsonAsync($"/api/v1/folders/{b.Id}/copy", new { parentId = (Guid?)null }).Json<Folder>(201);
        Assert.Null(topCopy.ParentId);
        Assert.Equal(["A", "B", "Target"], (await ListAsync(user)).Items.Select(f => f.Name));
    }

    [Fact]
    public async Task Shared_space_is_unavailable_until_enabled_and_then_only_admins_use_it()
    {
        var admin = api.Admin;
        var adminId = (await admin.Client.GetAsync("/api/v1/users/me").Json<User>()).Id;
        var user = await api.NewUserAsync();
        var settings = await admin.Client.GetAsync("/api/v1/admin/settings").Json();
        var wasEnabled = settings.GetProperty("sharedSpaceEnabled").GetBoolean();
        Folder? shared = null;
        try
        {
            await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = false }).ShouldBe(200);
            foreach (var s in new[] { admin, user })
            {
                await (await s.Client.GetAsync("/api/v1/folders?space=shared")).ShouldBeProblem(404, "space.unavailable");
                await (await s.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Team", space = "shared" })).ShouldBeProblem(404, "space.unavailable");
            }

            await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
            var name = "Team " + Guid.NewGuid().ToString("N")[..8];
            shared = await CreateAsync(admin, name, space: "shared");
            Assert.Equal(("shared", (Guid?)null, (Guid?)adminId), (shared.Space, shared.OwnerId, shared.CreatedBy));
            var sub = await CreateAsync(admin, "Events", shared.Id);
            Assert.Equal(("shared", (Guid?)null), (sub.Space, sub.OwnerId));
            Assert.Contains((await ListAsync(admin, "?space=shared&limit=1000")).Items, f => f.Id == shared.Id);
            Assert.Equal([sub.Id], (await ListAsync(admin, $"?parentId={shared.Id}")).Items.Select(f => f.Id));
            Assert.DoesNotContain((await ListAsync(admin)).Items, f => f.Id == shared.Id);

            // A space that disagrees with the parent's.
            var wrongSpace = await admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = "X", parentId = shared.Id, space = "personal" });
            Assert.Contains("space", (await wrongSpace.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
            await (await admin.Client.GetAsync($"/api/v1/folders?parentId={shared.Id}&space=personal")).ShouldBeProblem(400, "validation.failed");

            // Between spaces nothing moves or is copied.
            var personal = await CreateAsync(admin, "Admin's own " + Guid.NewGuid().ToString("N")[..8]);
            var move = await admin.Client.PostAsJsonAsync($"/api/v1/folders/{personal.Id}/move", new { parentId = shared.Id });
            Assert.Contains("parentId", (await move.ShouldBeProblem(400, "folder.cross_space")).Errors!.Keys);
            await (await admin.Client.PostAsJsonAsync($"/api/v1/folders/{sub.Id}/copy", new { parentId = personal.Id })).ShouldBeProblem(400, "folder.cross_space");
            Assert.Null((await admin.Client.PostAsJsonAsync($"/api/v1/folders/{sub.Id}/move", new { parentId = (Guid?)null }).Json<Folder>()).ParentId);

            // Users without access to the Shared Space see none of it.
            await (await user.Client.GetAsync("/api/v1/folders?space=shared")).ShouldBeProblem(404, "space.unavailable");
            await (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Team", space = "shared" })).ShouldBeProblem(404, "space.unavailable");
            await (await user.Client.GetAsync($"/api/v1/folders/{shared.Id}")).ShouldBeProblem(404, "resource.not_found");
            await (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "In", parentId = shared.Id })).ShouldBeProblem(404, "resource.not_found");

            // Disabled again, the Shared Space is gone for admins too.
            await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = false }).ShouldBe(200);
            await (await admin.Client.GetAsync($"/api/v1/folders/{shared.Id}")).ShouldBeProblem(404, "resource.not_found");
            await (await admin.Client.GetAsync("/api/v1/folders?space=shared")).ShouldBeProblem(404, "space.unavailable");
        }
        finally
        {
            if (shared is not null)
            {
                await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true });
                await admin.Client.DeleteAsync($"/api/v1/folders/{shared.Id}");
            }
            await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = wasEnabled });
        }
    }

    [Fact]
    public async Task A_cover_is_set_from_a_visible_asset_and_cleared()
    {
        var user = await api.NewUserAsync();
        var folder = await CreateAsync(user, "Covered");
        var asset = await UploadAsync(user, folder.Id);
        var strangersAsset = await UploadAsync(await api.NewUserAsync(), null);

        var covered = await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { coverAssetId = asset }).Json<Folder>();
        Assert.Equal((asset, 1), (covered.CoverAssetId, covered.AssetCount));
        await (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { coverAssetId = strangersAsset })).ShouldBeProblem(404, "resource.not_found");
        await (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { coverAssetId = Guid.CreateVersion7() })).ShouldBeProblem(404, "resource.not_found");
        Assert.Equal(asset, (await GetAsync(user, folder.Id)).CoverAssetId);

        // A rename leaves the cover alone; clearCover removes it.
        Assert.Equal(asset, (await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { name = "Still covered" }).Json<Folder>()).CoverAssetId);
        Assert.Null((await user.Client.PatchAsJsonAsync($"/api/v1/folders/{folder.Id}", new { clearCover = true }).Json<Folder>()).CoverAssetId);
    }

    [Fact]
    public async Task Deleting_a_folder_trashes_the_assets_of_its_subtree_and_removes_its_folders()
    {
        var user = await api.NewUserAsync();
        var a = await CreateAsync(user, "A");
        var b = await CreateAsync(user, "B", a.Id);
        var c = await CreateAsync(user, "C", b.Id);
        var keep = await CreateAsync(user, "Keep");
        var inA = await UploadAsync(user, a.Id);
        var inC = await UploadAsync(user, c.Id);
        var inKeep = await UploadAsync(user, keep.Id);
        var loose = await UploadAsync(user, null);
        Assert.Equal(1, (await GetAsync(user, a.Id)).AssetCount);

        await (await user.Client.DeleteAsync($"/api/v1/folders/{a.Id}")).ShouldBe(204);

        foreach (var id in new[] { a.Id, b.Id, c.Id })
            await (await user.Client.GetAsync($"/api/v1/folders/{id}")).ShouldBeProblem(404, "resource.not_found");
        await (await user.Client.DeleteAsync($"/api/v1/folders/{a.Id}")).ShouldBeProblem(404, "resource.not_found");
        var trashed = await AssetsAsync("id = ANY(@ids)", new { ids = new[] { inA, inC } });
        Assert.Equal(2, trashed.Count);
        Assert.All(trashed, t => Assert.True(t.TrashedAt is not null && t.FolderId is null, $"{t.Id} should be in the trash, out of any folder"));
        var untouched = await AssetsAsync("id = ANY(@ids)", new { ids = new[] { inKeep, loose } });
        Assert.All(untouched, t => Assert.Null(t.TrashedAt));
        Assert.Equal(keep.Id, untouched.Single(t => t.Id == inKeep).FolderId);
        Assert.Equal(["Keep"], (await ListAsync(user)).Items.Select(f => f.Name));
    }

    [Fact]
    public async Task Copying_a_folder_copies_its_assets_as_new_rows_sharing_the_blobs()
    {
        var user = await api.NewUserAsync();
        var a = await CreateAsync(user, "A");
        var b = await CreateAsync(user, "B", a.Id);
        var target = await CreateAsync(user, "Target");
        var inA = await UploadAsync(user, a.Id);
        var inB = await UploadAsync(user, b.Id);
        var trashedInB = await UploadAsync(user, b.Id);
        await WaitProcessedAsync(inA, inB, trashedInB);
        await using (var conn = new NpgsqlConnection(api.ConnectionString))
        {
            await conn.ExecuteAsync("UPDATE assets SET trashed_at = now() WHERE id = @id", new { id = trashedInB });
            // As if the worker had not got to it yet: its copy must then be processed on its own.
            await conn.ExecuteAsync("UPDATE assets SET status = 'pending' WHERE id = @id", new { id = inB });
        }
        await user.Client.PatchAsJsonAsync($"/api/v1/folders/{a.Id}", new { coverAssetId = inA }).ShouldBe(200);

        var copy = await user.Client.PostAsJsonAsync($"/api/v1/folders/{a.Id}/copy", new { parentId = target.Id }).Json<Folder>(201);
        Assert.Equal(1, copy.AssetCount);
        var copiedB = Assert.Single((await ListAsync(user, $"?parentId={copy.Id}")).Items);
        Assert.Equal(1, copiedB.AssetCount);

        var originals = await AssetsAsync("id = ANY(@ids)", new { ids = new[] { inA, inB } });
        var copies = await AssetsAsync("folder_id = ANY(@ids)", new { ids = new[] { copy.Id, copiedB.Id } });
        Assert.Equal(2, copies.Count);
        Assert.Empty(copies.Select(x => x.Id).Intersect([inA, inB, trashedInB]));
        Assert.All(copies, x => Assert.Equal(user.UserId, x.OwnerId));
        var copyOfA = copies.Single(x => x.FolderId == copy.Id);
        var copyOfB = copies.Single(x => x.FolderId == copiedB.Id);
        Assert.Equal(7, copyOfA.Id.Version);
        foreach (var (original, copied) in new[] { (inA, copyOfA), (inB, copyOfB) })
        {
            var o = originals.Single(x => x.Id == original);
            Assert.Equal(o.BlobKey, copied.BlobKey);
            Assert.Equal(o.Checksum, copied.Checksum);
        }
        // The cover follows to the copy of its asset.
        Assert.Equal(copyOfA.Id, copy.CoverAssetId);

        // The copy of an asset still waiting for processing gets a job of its own, and is processed.
        await using (var conn = new NpgsqlConnection(api.ConnectionString))
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM hangfire.job WHERE arguments::text LIKE @pattern",
                new { pattern = $"%{copyOfB.Id}%" }));
        await WaitProcessedAsync(copyOfA.Id, copyOfB.Id);

        // The originals stay where they were.
        Assert.All(originals, o => Assert.Null(o.TrashedAt));
        Assert.Equal((1, 1), ((await GetAsync(user, a.Id)).AssetCount, (await GetAsync(user, b.Id)).AssetCount));
    }

    /// <summary>Waits until the worker has finished with these assets (ready or failed).</summary>
    private async Task WaitProcessedAsync(params Guid[] ids)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        while (await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM assets WHERE id = ANY(@ids) AND status IN ('pending', 'processing')", new { ids }) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker never processed the assets");
            await Task.Delay(100);
        }
    }

    private sealed class FolderIdComparer : IEqualityComparer<Folder>
    {
        public bool Equals(Folder? x, Folder? y) => x?.Id == y?.Id;
        public int GetHashCode(Folder obj) => obj.Id.GetHashCode();
    }
}
