using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Folders;

/// <summary>One folder (FolderView) with its path from the top of its space and its counts.</summary>
[Access(Permission.FolderView, Permission.AssetView, On = "id", What = "The folder")]
public sealed class GetFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<FolderIdRequest, FolderResponse>
{
    public override void Configure()
    {
        Get("folders/{id}");
        Description(d => d.WithName("getFolder"));
    }

    public override async Task HandleAsync(FolderIdRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await FolderStore.GetAsync(conn, policy, principal, req.Id, ct), ct);
    }
}
