using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

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
[Access(Permission.FolderManagePermissions, On = "id", What = "The folder")]
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
        var userId = req.PrincipalId ?? HttpContext.Principal().UserId;
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
