using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Folders;

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
[Access(Permission.FolderManagePermissions, On = "id", What = "The folder")]
public sealed class SetFolderPermissionsEndpoint(NpgsqlDataSource db) : Endpoint<SetFolderPermissionsRequest, FolderPermissionsResponse>
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
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("folder.permissions-changed", null, "folder", req.Id,
            new { applyToSubfolders = req.ApplyToSubfolders == true, entries }), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new FolderPermissionsResponse(req.Id, entries), ct);
    }
}
