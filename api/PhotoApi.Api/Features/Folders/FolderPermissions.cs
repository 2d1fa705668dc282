using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Folders;

/// <summary>One permission entry on a Shared Space folder, explicit or inherited from an ancestor.</summary>
public sealed record FolderPermissionEntry
{
    /// <summary>The entry (explicit entries are replaced as a whole by setFolderPermissions).</summary>
    public Guid Id { get; init; }
    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string PrincipalType { get; init; } = "";
    public Guid PrincipalId { get; init; }
    /// <summary>The username or group name.</summary>
    public string Name { get; init; } = "";
    /// <summary><c>allow</c> or <c>deny</c>; a deny takes the operations away whatever allows them (deny wins).</summary>
    public string Effect { get; init; } = "";
    /// <summary><c>viewer</c>, <c>downloader</c>, <c>uploader</c>, <c>manager</c>, or null for explicit operations.</summary>
    public string? Role { get; init; }
    /// <summary>The operations granted or denied (a role's set, expanded).</summary>
    public string[] Operations { get; init; } = [];
    /// <summary>Any of <c>this_folder</c>, <c>files</c>, <c>subfolders</c>, <c>descendants</c>.</summary>
    public string[] AppliesTo { get; init; } = [];
    /// <summary>False: set on this folder; true: set on <see cref="FromFolderId"/>, an ancestor.</summary>
    public bool Inherited { get; init; }
    public Guid FromFolderId { get; init; }
    public string FromFolderName { get; init; } = "";
    /// <summary>Set when the entry comes from a folder share's invitee list (that share), not from the folder's permissions.</summary>
    public Guid? ShareId { get; init; }
}

public sealed record FolderPermissionsResponse(Guid FolderId, IReadOnlyList<FolderPermissionEntry> Entries);

internal static class FolderPermissionStore
{
    public const int MaxExplicitEntries = 200;

    /// <summary>
    /// Entries that reach a folder or its files: its own (explicit), then its ancestors' whose applies-to carries them down
    /// (nearest first). With <c>@userId</c> set, only those of that user and their groups.
    /// </summary>
    private static readonly string EntriesSql = $"""
        WITH RECURSIVE chain(id, parent_id, name, depth) AS (
            SELECT id, parent_id, name, 0 FROM folders WHERE id = @folderId
            UNION ALL SELECT p.id, p.parent_id, p.name, c.depth + 1 FROM folders p JOIN chain c ON p.id = c.parent_id)
        SELECT * FROM (
            SELECT fp.id, CASE WHEN fp.user_id IS NOT NULL THEN 'user' ELSE 'group' END AS principal_type,
                   coalesce(fp.user_id, fp.group_id) AS principal_id, coalesce(u.username, g.name) AS name,
                   fp.effect, fp.role, fp.operations, fp.applies_to, c.depth > 0 AS inherited, c.id AS from_folder_id, c.name AS from_folder_name,
                   NULL::uuid AS share_id, c.depth, fp.position
            FROM folder_permissions fp
            JOIN chain c ON c.id = fp.folder_id
            LEFT JOIN users u ON u.id = fp.user_id
            LEFT JOIN groups g ON g.id = fp.group_id
            WHERE @userId::uuid IS NULL OR {AccessPolicy.NamesCaller("fp")}
            UNION ALL
            SELECT s.id, CASE WHEN si.user_id IS NOT NULL THEN 'user' ELSE 'group' END,
                   coalesce(si.user_id, si.group_id), coalesce(u.username, g.name),
                   'allow', si.role, {AccessPolicy.FolderRoleOperations("si.role")},
                   CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
                   c.depth > 0, c.id, c.name, s.id, c.depth, 1000
            FROM shares s
            JOIN share_invitees si ON si.share_id = s.id
            JOIN chain c ON c.id = s.folder_id
            LEFT JOIN users u ON u.id = si.user_id
            LEFT JOIN groups g ON g.id = si.group_id
            WHERE @userId::uuid IS NULL OR {AccessPolicy.NamesCaller("si")}
        ) e
        -- The same reach as the access policy's rule: the folder itself and its files; then down the tree as applies-to says.
        WHERE e.depth = 0
           OR e.depth = 1 AND ('subfolders' = ANY(e.applies_to) OR 'files' = ANY(e.applies_to) AND 'descendants' = ANY(e.applies_to))
           OR e.depth > 1 AND 'descendants' = ANY(e.applies_to) AND ('subfolders' = ANY(e.applies_to) OR 'files' = ANY(e.applies_to))
        ORDER BY e.depth, e.position, e.name
        """;

    public static async Task<List<FolderPermissionEntry>> EntriesAsync(NpgsqlConnection conn, Guid folderId, Guid? principalUserId, CancellationToken ct,
        NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<FolderPermissionEntry>(new CommandDefinition(EntriesSql, new { folderId, userId = principalUserId }, tx, cancellationToken: ct))).AsList();
}

/// <summary>A Shared Space folder's permission entries: explicit ones, then the inherited ones marked with where they come from. Admins.</summary>
[Access(Permission.FolderManagePermissions)]
public sealed class GetFolderPermissionsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<FolderIdRequest, FolderPermissionsResponse>
{
    public override void Configure()
    {
        Get("folders/{id}/permissions");
        Description(d => d.WithName("getFolderPermissions"));
    }

    public override async Task HandleAsync(FolderIdRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.FolderManagePermissions, req.Id, ct, "The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(new FolderPermissionsResponse(req.Id, await FolderPermissionStore.EntriesAsync(conn, req.Id, null, ct)), ct);
    }
}

public sealed class FolderPermissionEntryRequest
{
    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string PrincipalType { get; set; } = "";
    public Guid PrincipalId { get; set; }
    /// <summary><c>allow</c> (default) or <c>deny</c>.</summary>
    public string? Effect { get; set; }
    /// <summary>A role (<c>viewer</c>, <c>downloader</c>, <c>uploader</c>, <c>manager</c>) or…</summary>
    public string? Role { get; set; }
    /// <summary>…explicit operations: <c>view</c>, <c>download</c>, <c>upload</c>, <c>edit</c>, <c>rename</c>, <c>cover</c>,
    /// <c>create_folder</c>, <c>photo_request</c>, <c>add_to_album</c>, <c>delete</c>, <c>copy</c>, <c>move</c>.</summary>
    public string[]? Operations { get; set; }
    /// <summary>Default: all of <c>this_folder</c>, <c>files</c>, <c>subfolders</c>, <c>descendants</c>.</summary>
    public string[]? AppliesTo { get; set; }
}

public sealed class FolderPermissionEntryValidator : AbstractValidator<FolderPermissionEntryRequest>
{
    public FolderPermissionEntryValidator()
    {
        RuleFor(x => x.PrincipalType).Must(t => t.IsOneOf("user", "group")).WithMessage("One of: user, group.");
        RuleFor(x => x.PrincipalId).NotEmpty();
        RuleFor(x => x.Effect).Must(e => e.IsOneOf("allow", "deny")).When(x => x.Effect is not null).WithMessage("One of: allow, deny.");
        RuleFor(x => x.Role).Must(r => r is not null && FolderOperations.Roles.ContainsKey(r)).When(x => x.Role is not null)
            .WithMessage("One of: viewer, downloader, uploader, manager.");
        RuleFor(x => x).Must(x => (x.Role is null) != (x.Operations is null)).OverridePropertyName("role")
            .WithMessage("Give either a role or a list of operations.");
        RuleFor(x => x.Operations).Must(o => o!.Length > 0 && o.All(FolderOperations.All.Contains)).When(x => x.Operations is not null)
            .WithMessage($"One or more of: {string.Join(", ", FolderOperations.All)}.");
        RuleFor(x => x.AppliesTo).Must(a => a!.Length > 0 && a.All(FolderOperations.AppliesTo.Contains)).When(x => x.AppliesTo is not null)
            .WithMessage("One or more of: this_folder, files, subfolders, descendants.");
    }
}

public sealed class SetFolderPermissionsRequest
{
    public Guid Id { get; set; }
    /// <summary>The folder's explicit entries, replacing the current ones (at most 200; an empty list removes them all). Required.</summary>
    public FolderPermissionEntryRequest[]? Entries { get; set; }
    /// <summary>
    /// First-level folders only: also clear the explicit entries of every folder below, so the whole tree follows these.
    /// </summary>
    public bool? ApplyToSubfolders { get; set; }
}

public sealed class SetFolderPermissionsValidator : Validator<SetFolderPermissionsRequest>
{
    public SetFolderPermissionsValidator()
    {
        RuleFor(x => x.Entries).NotNull().WithMessage("List the folder's entries (an empty list removes them all).")
            .Must(e => e is null || e.Length <= FolderPermissionStore.MaxExplicitEntries)
            .WithMessage($"At most {FolderPermissionStore.MaxExplicitEntries} explicit entries per folder.");
        RuleForEach(x => x.Entries).SetValidator(new FolderPermissionEntryValidator());
    }
}

/// <summary>
/// Replaces a Shared Space folder's explicit permission entries (admins). They apply to users with Custom access; Full
/// Access users do everything anyway. Entries are inherited by the folders and files below as their applies-to says.
/// </summary>
[Access(Permission.FolderManagePermissions)]
public sealed class SetFolderPermissionsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<SetFolderPermissionsRequest, FolderPermissionsResponse>
{
    private const string KnownUsersSql = "SELECT id FROM users WHERE id = ANY(@ids)";
    private const string KnownGroupsSql = "SELECT id FROM groups WHERE id = ANY(@ids)";
    private const string InsertSql = """
        INSERT INTO folder_permissions (id, folder_id, user_id, group_id, effect, role, operations, applies_to, position)
        VALUES (@id, @folderId, @userId, @groupId, @effect, @role, @operations, @appliesTo, @position)
        """;
    private const string ClearBelowSql = """
        WITH RECURSIVE below(id) AS (SELECT id FROM folders WHERE parent_id = @folderId
                                     UNION ALL SELECT f.id FROM folders f JOIN below b ON f.parent_id = b.id)
        DELETE FROM folder_permissions WHERE folder_id IN (SELECT id FROM below)
        """;

    public override void Configure()
    {
        Put("folders/{id}/permissions");
        Description(d => d.WithName("setFolderPermissions"));
    }

    public override async Task HandleAsync(SetFolderPermissionsRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.FolderManagePermissions, req.Id, ct, "The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        var folder = await FolderStore.RequireAsync(conn, req.Id, ct);
        if (req.ApplyToSubfolders == true && folder.ParentId is not null)
            throw ApiException.Validation("applyToSubfolders", "Only a first-level folder applies its permissions to all subfolders.");
        var userIds = req.Entries!.Where(e => e.PrincipalType == "user").Select(e => e.PrincipalId).ToArray();
        var groupIds = req.Entries!.Where(e => e.PrincipalType == "group").Select(e => e.PrincipalId).ToArray();
        var users = (await conn.QueryAsync<Guid>(new CommandDefinition(KnownUsersSql, new { ids = userIds }, cancellationToken: ct))).ToHashSet();
        var groups = (await conn.QueryAsync<Guid>(new CommandDefinition(KnownGroupsSql, new { ids = groupIds }, cancellationToken: ct))).ToHashSet();
        if (userIds.Any(u => !users.Contains(u)) || groupIds.Any(g => !groups.Contains(g)))
            throw new ApiException(400, ErrorCodes.UnknownInvitee, "An entry names a user or group that does not exist.",
                new() { ["entries"] = ["Unknown user or group."] });

        await using var tx = await conn.BeginTransactionAsync(ct);
        await FolderStore.LockTreeAsync(conn, tx, Spaces.Shared, null, ct);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM folder_permissions WHERE folder_id = @folderId", new { folderId = req.Id }, tx, cancellationToken: ct));
        if (req.ApplyToSubfolders == true) await conn.ExecuteAsync(new CommandDefinition(ClearBelowSql, new { folderId = req.Id }, tx, cancellationToken: ct));
        for (var i = 0; i < req.Entries!.Length; i++)
        {
            var e = req.Entries[i];
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                id = Guid.CreateVersion7(), folderId = req.Id,
                userId = e.PrincipalType == "user" ? e.PrincipalId : (Guid?)null, groupId = e.PrincipalType == "group" ? e.PrincipalId : (Guid?)null,
                effect = e.Effect ?? "allow", role = e.Role,
                operations = e.Role is { } role ? FolderOperations.Roles[role] : e.Operations!.Distinct().ToArray(),
                appliesTo = (e.AppliesTo ?? FolderOperations.AppliesTo).Distinct().ToArray(), position = i,
            }, tx, cancellationToken: ct));
        }
        var entries = await FolderPermissionStore.EntriesAsync(conn, req.Id, null, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new FolderPermissionsResponse(req.Id, entries), ct);
    }
}

public sealed class GetEffectivePermissionsRequest
{
    public Guid Id { get; set; }
    /// <summary>The user to explain (default: the caller).</summary>
    [QueryParam] public Guid? PrincipalId { get; set; }
}

/// <param name="Access">The user's Shared Space access: <c>full</c> (everything), <c>custom</c> (the entries decide) or <c>none</c>.</param>
/// <param name="FolderOperations">What they may do on the folder itself.</param>
/// <param name="FileOperations">What they may do on the files directly in it.</param>
/// <param name="Entries">The entries (theirs and their groups', explicit and inherited) that the result comes from; deny wins.</param>
public sealed record EffectivePermissionsResponse(Guid FolderId, Guid PrincipalId, string Access, string[] FolderOperations, string[] FileOperations,
    IReadOnlyList<FolderPermissionEntry> Entries);

/// <summary>Explains what a user may do on a Shared Space folder and its files, and why (admins).</summary>
[Access(Permission.FolderManagePermissions)]
public sealed class GetEffectivePermissionsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<GetEffectivePermissionsRequest, EffectivePermissionsResponse>
{
    // A disabled or pending account, or one without the photo library, can do nothing whatever the entries say.
    private const string UserSql = $"""
        SELECT u.role = 'admin' AS is_admin, u.status = 'active' AND {Infrastructure.Auth.PhotoApiAuthenticationHandler.PhotoLibrarySql} AS usable
        FROM users u WHERE u.id = @id
        """;

    public override void Configure()
    {
        Get("folders/{id}/effective-permissions");
        Description(d => d.WithName("getEffectivePermissions"));
    }

    public override async Task HandleAsync(GetEffectivePermissionsRequest req, CancellationToken ct)
    {
        var caller = Principal.Of(User);
        await policy.EnsureAsync(caller, Permission.FolderManagePermissions, req.Id, ct, "The folder");
        var userId = req.PrincipalId ?? caller.UserId;
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<(bool IsAdmin, bool Usable)?>(new CommandDefinition(UserSql, new { id = userId }, cancellationToken: ct))
                   ?? throw ApiException.NotFound("The user");
        var principal = new Principal(userId, user.IsAdmin);
        var access = user.Usable ? await policy.SharedSpaceLevelAsync(principal, ct) : "none";
        var (folderOps, fileOps) = user.Usable ? await policy.EffectiveOperationsAsync(principal, req.Id, ct) : ([], []);
        var entries = await FolderPermissionStore.EntriesAsync(conn, req.Id, userId, ct);
        await Send.OkAsync(new EffectivePermissionsResponse(req.Id, userId, access, folderOps, fileOps, entries), ct);
    }
}
