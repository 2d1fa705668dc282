using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Folders;

/// <summary>A Shared Space folder's permission entries: explicit ones, then the inherited ones marked with where they come from. Admins.</summary>
[Access(Permission.FolderManagePermissions, On = "id", What = "The folder")]
public sealed class GetFolderPermissionsEndpoint(NpgsqlDataSource db) : Endpoint<FolderIdRequest, FolderPermissionsResponse>
{
    public override void Configure()
    {
        Get("folders/{id}/permissions");
        Description(d => d.WithName("getFolderPermissions"));
    }

    public override async Task HandleAsync(FolderIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(new FolderPermissionsResponse(req.Id, await FolderPermissionStore.EntriesAsync(conn, req.Id, null, ct)), ct);
    }
}
