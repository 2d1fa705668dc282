using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The Shared Space folder-permission matrix (the roles table in the README) through HTTP against PostgreSQL: the four roles (Viewer,
/// Downloader, Uploader, Manager) × the twelve operations × how the role reaches the caller (an entry for the user, an
/// entry for a group of theirs, an entry on the parent folder inherited with the default applies-to, and the role with a
/// deny entry for the operation — for the user or for a group of theirs — which must win), plus Full Access (everything,
/// whatever the Custom entries say) and access level none (nothing, whatever the entries say).
/// </summary>
/// <remarks>
/// <para>Every cell gets a folder of its own (with one file uploaded by the admin), so destructive operations never
/// disturb another cell, and everything the call needs besides the operation under test is granted elsewhere: the target
/// of a move or folder copy is a second shared folder where every Custom caller is an Uploader (it may take files and
/// subfolders), the target of a file copy is the caller's own Personal Space folder, and a cover is one the caller sees.
/// So an allowed cell fails only if the operation is refused, and a refused one only if it is let through.</para>
/// <para>Refusals answer 404 <c>resource.not_found</c> (not visible is answered like not existing), except a download of a
/// file the caller sees: 403 <c>share.role_insufficient</c>. After a refused cell the folder and its file are checked to be
/// untouched. All failing cells are reported together, each by name.</para>
/// </remarks>
[Collection(ApiCollection.Name)]
public sealed class FolderMatrixTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    /// <summary>The operations of the roles table, in its order.</summary>
    private static readonly string[] Operations =
        ["view", "download", "upload", "edit", "rename", "cover", "create_folder", "photo_request", "add_to_album", "delete", "copy", "move"];

    /// <summary>The folder roles as the README states them, written out here rather than read from the API under test.</summary>
    private static readonly Dictionary<string, string[]> Roles = new()
    {
        ["viewer"] = ["view"],
        ["downloader"] = ["view", "download", "add_to_album", "copy"],
        ["uploader"] = ["view", "download", "upload", "create_folder", "photo_request", "add_to_album", "copy"],
        ["manager"] = Operations,
    };

    private const int Parallelism = 8;

    private static readonly (int Status, string Code) Hidden = (404, "resource.not_found");
    private static readonly (int Status, string Code) RoleInsufficient = (403, "share.role_insufficient");

    /// <summary>How the caller comes to (or not to) the operations on the cell's folder.</summary>
    private enum Grant
    {
        /// <summary>Custom access; the role in an allow entry for the user on the folder.</summary>
        User,
        /// <summary>Custom access through a group's setting; the role in an allow entry for that group on the folder.</summary>
        Group,
        /// <summary>Custom access; the role in an entry for the user on the parent folder (default applies-to), none on the folder.</summary>
        Inherited,
        /// <summary>Custom access; the role for a group of theirs, and a deny entry for the user naming the operation.</summary>
        DenyByUser,
        /// <summary>Custom access; the role for the user, and a deny entry for a group of theirs naming the operation.</summary>
        DenyByGroup,
        /// <summary>Full Access; no entries.</summary>
        Full,
        /// <summary>Full Access; deny entries for every operation, for the user and for a group of theirs.</summary>
        FullDespiteDeny,
        /// <summary>Access level none; Manager entries for the user and for a group of theirs.</summary>
        None,
    }

    private static readonly Grant[] RoleGrants = [Grant.User, Grant.Group, Grant.Inherited, Grant.DenyByUser, Grant.DenyByGroup];

    private sealed record Subject(Grant Grant, string? Role, Session User, Guid? Group, Guid Personal);

    /// <param name="Denied">The operation a deny entry names (deny cells only).</param>
    private sealed record Cell(Subject Subject, string Operation, string? Denied, Guid Parent, Guid Folder, string FolderName, Guid Asset, int AssetLength);

    private sealed record Effective(Guid FolderId, Guid PrincipalId, string Access, string[] FolderOperations, string[] FileOperations);

    private readonly ConcurrentQueue<string> _failures = new();
    private int _checks;
    private byte[] _jpeg = [];

    [Fact]
    public async Task Every_role_allows_exactly_its_operations_however_it_is_granted()
    {
        var clock = Stopwatch.StartNew();
        _jpeg = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var root = await SharedFolderAsync($"FolderMatrix-{Guid.NewGuid().ToString("N")[..8]}", null);
        var targets = await SharedFolderAsync("Targets", root);

        // The callers: one per (role, grant), and the Full Access and level-none ones.
        var specs = Roles.Keys.SelectMany(role => RoleGrants.Select(grant => (Grant: grant, Role: (string?)role)))
            .Concat([(Grant.Full, null), (Grant.FullDespiteDeny, null), (Grant.None, null)]).ToList();
        var subjects = await Task.WhenAll(specs.Select(async s =>
        {
            var user = await api.NewUserAsync($"fm-{s.Role ?? "x"}-{s.Grant}".ToLowerInvariant());
            Guid? group = s.Grant is Grant.User or Grant.Inherited or Grant.Full ? null : await GroupAsync(user);
            var personal = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Copies" }).Json(201)).GetProperty("id").GetGuid();
            return new Subject(s.Grant, s.Role, user, group, personal);
        }));
        await SetAccessAsync(subjects.Select(s => s.Grant switch
        {
            Grant.Group => ("group", s.Group!.Value, "custom"),
            Grant.Full or Grant.FullDespiteDeny => ("user", s.User.UserId, "full"),
            Grant.None => ("user", s.User.UserId, "none"),
            _ => ("user", s.User.UserId, "custom"),
        }).ToArray());
        // The target side of moves and copies: every Custom caller may upload and create folders there.
        await SetEntriesAsync(targets, subjects.Where(s => s.Role is not null)
            .Select(s => (object)new { principalType = "user", principalId = s.User.UserId, role = "uploader" }).ToArray());

        // One folder (with one file of the admin's) per cell.
        var plan = subjects.SelectMany(s => (s.Grant is Grant.DenyByUser or Grant.DenyByGroup ? Roles[s.Role!] : Operations)
            .Select(op => (Subject: s, Operation: op))).ToList();
        var cells = new ConcurrentBag<Cell>();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (p, _) =>
            cells.Add(await BuildCellAsync(p.Subject, p.Operation, root)));
        output.WriteLine($"{subjects.Length} callers, {cells.Count} cells built in {clock.Elapsed.TotalSeconds:F1} s");

        // What the explanation endpoint says must be what the matrix expects (before any cell has run).
        var explained = cells.Where(c => c.Denied is not null || c.Operation == "view").ToList();
        await Parallel.ForEachAsync(explained, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (c, _) =>
            await ExplainedAsync(c));

        await Parallel.ForEachAsync(cells, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (c, _) =>
            await RunAsync(c, targets));

        output.WriteLine($"{cells.Count} cells, {_checks} checks, {_failures.Count} failures in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(Summary(cells));
        if (!_failures.IsEmpty)
            Assert.Fail($"{_failures.Count} of {_checks} checks failed:\n" + string.Join("\n", _failures.Order(StringComparer.Ordinal)));
    }

    // ---- expectations ----

    private static bool Allowed(Cell c) => c.Subject.Grant switch
    {
        Grant.Full or Grant.FullDespiteDeny => true,
        Grant.None => false,
        Grant.DenyByUser or Grant.DenyByGroup => false,
        _ => Roles[c.Subject.Role!].Contains(c.Operation),
    };

    /// <summary>Does the caller see the cell's file (and folder)? Every role includes view; a deny of view takes it away.</summary>
    private static bool Sees(Cell c) => c.Subject.Grant switch
    {
        Grant.None => false,
        _ => c.Denied != "view",
    };

    private static string[] ExpectedOperations(Cell c) => c.Subject.Grant switch
    {
        Grant.Full or Grant.FullDespiteDeny => Operations,
        Grant.None => [],
        Grant.DenyByUser or Grant.DenyByGroup => Roles[c.Subject.Role!].Where(op => op != c.Denied).ToArray(),
        _ => Roles[c.Subject.Role!],
    };

    private static string Name(Cell c) => c.Subject.Grant switch
    {
        Grant.User => $"{c.Subject.Role} via user entry",
        Grant.Group => $"{c.Subject.Role} via group entry",
        Grant.Inherited => $"{c.Subject.Role} inherited from parent",
        Grant.DenyByUser => $"{c.Subject.Role} via group entry + user deny({c.Denied})",
        Grant.DenyByGroup => $"{c.Subject.Role} via user entry + group deny({c.Denied})",
        Grant.Full => "full access, no entries",
        Grant.FullDespiteDeny => "full access, deny-all entries",
        _ => "access none, manager entries",
    };

    // ---- the cells ----

    private async Task<Cell> BuildCellAsync(Subject s, string operation, Guid root)
    {
        object Allow(string type, Guid id, string role) => new { principalType = type, principalId = id, role };
        object Deny(string type, Guid id, string[] operations) => new { principalType = type, principalId = id, effect = "deny", operations };

        var parent = root;
        if (s.Grant == Grant.Inherited)
        {
            parent = await SharedFolderAsync($"parent-{operation}", root);
            await SetEntriesAsync(parent, Allow("user", s.User.UserId, s.Role!));
        }
        var name = $"{operation}-{Guid.NewGuid().ToString("N")[..8]}";
        var folder = await SharedFolderAsync(name, parent, exactName: true);
        object[] entries = s.Grant switch
        {
            Grant.User => [Allow("user", s.User.UserId, s.Role!)],
            Grant.Group => [Allow("group", s.Group!.Value, s.Role!)],
            Grant.DenyByUser => [Allow("group", s.Group!.Value, s.Role!), Deny("user", s.User.UserId, [operation])],
            Grant.DenyByGroup => [Allow("user", s.User.UserId, s.Role!), Deny("group", s.Group!.Value, [operation])],
            Grant.FullDespiteDeny => [Deny("user", s.User.UserId, Operations), Deny("group", s.Group!.Value, Operations)],
            Grant.None => [Allow("user", s.User.UserId, "manager"), Allow("group", s.Group!.Value, "manager")],
            _ => [],
        };
        if (entries.Length > 0) await SetEntriesAsync(folder, entries);
        var bytes = UniqueJpeg();
        var asset = (await api.Admin.Client.PostAsync("/api/v1/assets", Library.Form(bytes, $"{name}.jpg",
            new Dictionary<string, string> { ["folderId"] = folder.ToString() })).Json(201)).GetProperty("id").GetGuid();
        var denied = s.Grant is Grant.DenyByUser or Grant.DenyByGroup ? operation : null;
        return new Cell(s, operation, denied, parent, folder, name, asset, bytes.Length);
    }

    private async Task ExplainedAsync(Cell c)
    {
        var cell = $"{Name(c)}: effective-permissions";
        await That(cell, async () =>
        {
            var e = await api.Admin.Client.GetAsync($"/api/v1/folders/{c.Folder}/effective-permissions?principalId={c.Subject.User.UserId}").Json<Effective>();
            var access = c.Subject.Grant switch { Grant.Full or Grant.FullDespiteDeny => "full", Grant.None => "none", _ => "custom" };
            var expected = ExpectedOperations(c).Order(StringComparer.Ordinal);
            Assert.Equal(
                $"access {access}; folder [{string.Join(", ", expected)}]; files [{string.Join(", ", expected)}]",
                $"access {e.Access}; folder [{string.Join(", ", e.FolderOperations.Order(StringComparer.Ordinal))}]; files [{string.Join(", ", e.FileOperations.Order(StringComparer.Ordinal))}]");
        });
    }

    /// <summary>Runs the operation of one cell through every route that does it.</summary>
    private async Task RunAsync(Cell c, Guid targets)
    {
        var who = c.Subject.User.Client;
        var allowed = Allowed(c);
        var name = Name(c) + ": ";
        switch (c.Operation)
        {
            case "view":
                await Check(name + "view folder (GET folder)", allowed, 200, Hidden, () => who.GetAsync($"/api/v1/folders/{c.Folder}"),
                    async r => Assert.Equal(c.Folder, (await r.Json()).GetProperty("id").GetGuid()));
                await Check(name + "view file (GET asset)", allowed, 200, Hidden, () => who.GetAsync($"/api/v1/assets/{c.Asset}"),
                    async r => Assert.Equal(c.Asset, (await r.Json()).GetProperty("id").GetGuid()));
                break;
            case "download":
                // Someone who sees the file but may not download it is told so (403); someone who does not see it gets 404.
                await Check(name + "download file (GET original)", allowed, 200, Sees(c) ? RoleInsufficient : Hidden,
                    () => who.GetAsync($"/api/v1/assets/{c.Asset}/original"),
                    async r => Assert.Equal(c.AssetLength, (await r.Content.ReadAsByteArrayAsync()).Length));
                break;
            case "upload":
                await Check(name + "upload file (POST assets, folderId)", allowed, 201, Hidden,
                    () => who.PostAsync("/api/v1/assets", Library.Form(UniqueJpeg(), "upload.jpg",
                        new Dictionary<string, string> { ["folderId"] = c.Folder.ToString() })),
                    async r => Assert.False((await r.Json(201)).GetProperty("duplicate").GetBoolean()));
                break;
            case "edit":
                await Check(name + "edit file (PATCH asset rating)", allowed, 200, Hidden,
                    () => who.PatchAsJsonAsync($"/api/v1/assets/{c.Asset}", new { rating = 4 }),
                    async r => Assert.Equal(4, (await r.Json()).GetProperty("rating").GetInt32()));
                break;
            case "rename":
                var newName = c.FolderName + "-renamed";
                await Check(name + "rename folder (PATCH folder name)", allowed, 200, Hidden,
                    () => who.PatchAsJsonAsync($"/api/v1/folders/{c.Folder}", new { name = newName }),
                    async r => Assert.Equal(newName, (await r.Json()).GetProperty("name").GetString()));
                break;
            case "cover":
                await Check(name + "change folder cover (PATCH folder coverAssetId)", allowed, 200, Hidden,
                    () => who.PatchAsJsonAsync($"/api/v1/folders/{c.Folder}", new { coverAssetId = c.Asset }),
                    async r => Assert.Equal(c.Asset, (await r.Json()).GetProperty("coverAssetId").GetGuid()));
                break;
            case "create_folder":
                await Check(name + "create folder (POST folders, parentId)", allowed, 201, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/folders", new { name = "Sub", parentId = c.Folder }),
                    async r => Assert.Equal(c.Folder, (await r.Json(201)).GetProperty("parentId").GetGuid()));
                break;
            case "photo_request":
                await Check(name + "create photo request (POST photo-requests, folderId)", allowed, 201, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party photos", folderId = c.Folder }),
                    async r => Assert.Equal(c.Folder, (await r.Json(201)).GetProperty("folderId").GetGuid()));
                break;
            case "add_to_album":
                await Check(name + "add file to album (POST albums, assetIds)", allowed, 201, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/albums", new { name = "Picks", assetIds = new[] { c.Asset } }),
                    async r => Assert.Equal(1, (await r.Json(201)).GetProperty("assetCount").GetInt32()));
                break;
            case "delete":
                await Check(name + "delete file (POST assets/delete)", allowed, 200, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { c.Asset } }),
                    async r => Assert.Equal(new[] { c.Asset }, await IdsAsync(r, 200)));
                await Check(name + "delete folder (DELETE folder)", allowed, 204, Hidden, () => who.DeleteAsync($"/api/v1/folders/{c.Folder}"),
                    async _ => await api.Admin.Client.GetAsync($"/api/v1/folders/{c.Folder}").ShouldBe(404));
                break;
            case "copy":
                await Check(name + "copy file (POST assets/copy into own personal folder)", allowed, 201, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { c.Asset }, folderId = c.Subject.Personal }),
                    async r => Assert.Single(await IdsAsync(r, 201)));
                await Check(name + "copy folder (POST folders/{id}/copy into a shared folder)", allowed, 201, Hidden,
                    () => who.PostAsJsonAsync($"/api/v1/folders/{c.Folder}/copy", new { parentId = targets }),
                    async r => Assert.Equal(targets, (await r.Json(201)).GetProperty("parentId").GetGuid()));
                break;
            case "move":
                await Check(name + "move file (POST assets/move into a shared folder)", allowed, 200, Hidden,
                    () => who.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { c.Asset }, folderId = targets }),
                    async r => Assert.Equal(new[] { c.Asset }, await IdsAsync(r, 200)));
                await Check(name + "move folder (POST folders/{id}/move into a shared folder)", allowed, 200, Hidden,
                    () => who.PostAsJsonAsync($"/api/v1/folders/{c.Folder}/move", new { parentId = targets }),
                    async r => Assert.Equal(targets, (await r.Json()).GetProperty("parentId").GetGuid()));
                break;
            default:
                throw new InvalidOperationException(c.Operation);
        }

        // A refused operation changed nothing: the folder and its file are as they were built.
        if (!allowed)
            await That(name + $"{c.Operation} refused left folder and file untouched", async () =>
            {
                var folder = await api.Admin.Client.GetAsync($"/api/v1/folders/{c.Folder}").Json();
                var asset = await api.Admin.Client.GetAsync($"/api/v1/assets/{c.Asset}").Json();
                Assert.Equal(
                    (c.FolderName, c.Parent, JsonValueKind.Null, 0, 1, c.Folder, JsonValueKind.Null, false),
                    (folder.GetProperty("name").GetString(), folder.GetProperty("parentId").GetGuid(), folder.GetProperty("coverAssetId").ValueKind,
                     folder.GetProperty("childCount").GetInt32(), folder.GetProperty("assetCount").GetInt32(),
                     asset.GetProperty("folderId").GetGuid(), asset.GetProperty("trashedAt").ValueKind, asset.GetProperty("rating").GetInt32() == 4));
            });
    }

    // ---- checking ----

    private async Task Check(string cell, bool allowed, int okStatus, (int Status, string Code) refused,
        Func<Task<HttpResponseMessage>> call, Func<HttpResponseMessage, Task>? content = null)
    {
        await That(cell, async () =>
        {
            using var response = await call();
            var status = (int)response.StatusCode;
            var expected = allowed ? $"{okStatus}" : $"{refused.Status} {refused.Code}";
            string Got(string? code = null) => $"expected {expected}, got {status}{(code is null ? "" : " " + code)}";
            if (allowed)
            {
                if (status != okStatus) throw new CellFailure($"{Got()}: {await BodyAsync(response)}");
                if (content is not null) await content(response);
                return;
            }
            var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()
                : null;
            if (status != refused.Status || code != refused.Code) throw new CellFailure(Got(code));
        });
    }

    private async Task That(string cell, Func<Task> assertion)
    {
        Interlocked.Increment(ref _checks);
        try
        {
            await assertion();
        }
        catch (CellFailure e)
        {
            _failures.Enqueue($"{cell} → {e.Message}");
        }
        catch (Exception e)
        {
            _failures.Enqueue($"{cell} → {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    private sealed class CellFailure(string message) : Exception(message);

    private static async Task<string> BodyAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Length > 300 ? body[..300] + "…" : body;
    }

    private static async Task<List<Guid>> IdsAsync(HttpResponseMessage response, int status) =>
        (await response.Json(status)).GetProperty("ids").EnumerateArray().Select(i => i.GetGuid()).ToList();

    /// <summary>The cells covered, as a table: per caller, each operation's expected outcome (A allowed, - refused).</summary>
    private static string Summary(IEnumerable<Cell> cells)
    {
        var rows = cells.GroupBy(c => (c.Subject.Grant, c.Subject.Role))
            .OrderBy(g => g.Key.Role is null ? 1 : 0).ThenBy(g => g.Key.Role).ThenBy(g => g.Key.Grant)
            .Select(g =>
            {
                var byOp = g.ToDictionary(c => c.Operation);
                var label = g.Key.Role is null ? g.Key.Grant.ToString() : $"{g.Key.Role} {g.Key.Grant}";
                return $"{label,-26}" + string.Concat(Operations.Select(op =>
                    $" {(byOp.TryGetValue(op, out var c) ? (Allowed(c) ? "A" : "-") : "."),-3}"));
            });
        return $"{"",-26}" + string.Concat(Operations.Select(op => $" {op[..3]}")) + "\n" + string.Join("\n", rows);
    }

    // ---- fixtures ----

    private byte[] UniqueJpeg() => [.. _jpeg, .. Guid.NewGuid().ToByteArray()];

    private async Task<Guid> SharedFolderAsync(string name, Guid? parentId, bool exactName = false) =>
        (await api.Admin.Client.PostAsJsonAsync("/api/v1/folders", new
        {
            name = exactName ? name : name + "-" + Guid.NewGuid().ToString("N")[..8], space = "shared", parentId,
        }).Json(201)).GetProperty("id").GetGuid();

    private async Task SetEntriesAsync(Guid folder, params object[] entries) =>
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{folder}/permissions", new { entries }).ShouldBe(200);

    private async Task<Guid> GroupAsync(Session member) =>
        (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups",
            new { name = "fm-" + Guid.NewGuid().ToString("N")[..12], memberIds = new[] { member.UserId } }).Json(201)).GetProperty("id").GetGuid();

    /// <summary>Sets these Shared Space access levels, keeping everyone else's (the setting is replaced as a whole).</summary>
    private async Task SetAccessAsync(params (string Type, Guid Id, string Level)[] entries)
    {
        var current = (await api.Admin.Client.GetAsync("/api/v1/shared-space/access").Json()).GetProperty("entries").EnumerateArray()
            .Select(e => (Type: e.GetProperty("principalType").GetString()!, Id: e.GetProperty("principalId").GetGuid(), Level: e.GetProperty("level").GetString()!))
            .Where(e => !entries.Any(n => n.Id == e.Id)).ToList();
        current.AddRange(entries);
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = current.Select(e => new { principalType = e.Type, principalId = e.Id, level = e.Level }) }).ShouldBe(200);
    }
}
