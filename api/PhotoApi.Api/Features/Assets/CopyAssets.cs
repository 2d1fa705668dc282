using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// Copies assets into a folder the caller may upload to: new assets owned by the caller (<see cref="AssetCopies"/>). The
/// caller must see, download and copy every one of them: a copy takes the bytes along. All or nothing.
/// </summary>
[Access(Permission.AssetCopy, Permission.AssetDownload, Permission.AssetView, Permission.FolderUpload)]
public sealed class CopyAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy, Infrastructure.Jobs.IJobQueue jobs) : Endpoint<MoveAssetsRequest, AssetIdsResponse>
{
    public override void Configure()
    {
        Post("assets/copy");
        Description(d => d.WithName("copyAssets").ClearDefaultProduces(200).Produces<AssetIdsResponse>(201));
    }

    public override async Task HandleAsync(MoveAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var ids = req.Ids.Distinct().ToArray();
        var copyable = await Folders.CopyMoveRules.CopyableAssetsAsync(policy, principal, ids, ct);
        if (ids.Any(id => !copyable.Contains(id))) throw ApiException.NotFound("An asset");
        if (req.FolderId is { } folderId) await policy.EnsureAsync(principal, Permission.FolderUpload, folderId, ct, "The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        var made = await AssetCopies.InsertAsync(conn, null, principal.UserId,
            ids.Select(id => new AssetCopies.Copy(id, Guid.CreateVersion7(), req.FolderId)).ToList(), ct);
        AssetCopies.EnqueueUnfinished(jobs, made);
        await Send.ResponseAsync(new AssetIdsResponse(made.Select(m => m.Id).ToList()), 201, ct);
    }
}
