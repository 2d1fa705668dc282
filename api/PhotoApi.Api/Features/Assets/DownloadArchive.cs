using FastEndpoints;
using FluentValidation;
using Dapper;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadArchiveRequest
{
    /// <summary>These assets (AssetDownload on each)…</summary>
    public Guid[]? AssetIds { get; set; }
    /// <summary>…or everything the album shows (AlbumDownload on it).</summary>
    public Guid? AlbumId { get; set; }
}

public sealed class DownloadArchiveValidator : Validator<DownloadArchiveRequest>
{
    public DownloadArchiveValidator()
    {
        RuleFor(x => x.AssetIds).NotEmpty().Must(i => i!.Length <= 10_000).When(x => x.AlbumId is null).WithMessage("Between 1 and 10,000 asset ids, or an albumId.");
        RuleFor(x => x.AssetIds).Null().When(x => x.AlbumId is not null).WithMessage("Give assetIds or albumId, not both.");
    }
}

/// <summary>
/// Many originals as one zip, streamed as it is built (<see cref="ZipDownloads"/>), named as uploaded and dated by the time
/// taken. All or nothing: one asset the caller may not download and the answer is 404 before a byte is sent.
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView)]
public sealed class DownloadArchiveEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy) : Endpoint<DownloadArchiveRequest>
{
    public override void Configure()
    {
        Post("downloads/archive");
        Description(d => d.WithName("downloadArchive").ClearDefaultProduces(200).Produces<Stream>(200, "application/zip"));
    }

    // Joined by id, so each member is a key lookup (an IN over the members lets the planner scan all of assets).
    private static readonly string AlbumSql =
        $"SELECT {AssetQueries.Columns} FROM ({AccessPolicy.AlbumMembers("@albumId")}) m JOIN assets a ON a.id = m.asset_id";

    public override async Task HandleAsync(DownloadArchiveRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        List<AssetRow> assets;
        if (req.AlbumId is { } albumId)
        {
            await policy.EnsureRoleAsync(principal, Permission.AlbumDownload, albumId, Permission.AlbumView, "The album", ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            assets = (await conn.QueryAsync<AssetRow>(new CommandDefinition(AlbumSql, new { albumId }, cancellationToken: ct))).AsList();
        }
        else
        {
            var ids = req.AssetIds!.Distinct().ToArray();
            await policy.EnsureRoleAsync(principal, Permission.AssetDownload, ids, Permission.AssetView, "An asset", ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            assets = await AssetQueries.GetAsync(conn, ids, ct);
        }
        var entries = assets.OrderBy(a => a.TakenAt).ThenBy(a => a.Id).Select(a => new ZipEntry(a.OriginalFileName, a.TakenAt, a.BlobKey));
        await ZipDownloads.SendAsync(HttpContext, blobs, entries, ct);
    }
}
