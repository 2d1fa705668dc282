using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>
/// A share link's public page. For a password-protected link that is not unlocked yet, only <c>passwordRequired</c>
/// is told: everything else is null until the guest unlocks it.
/// </summary>
/// <param name="Type"><c>album</c>, <c>selection</c> or <c>folder</c>.</param>
/// <param name="Unlocked">Whether the caller may see the contents now (no password, or a valid unlock token).</param>
public sealed record PublicShareResponse(bool PasswordRequired, bool Unlocked, string? Type, string? Title, string? Description,
    string? OwnerDisplayName, int? AssetCount, bool? AllowDownload, bool? AllowUpload, bool? ShowMetadata, DateTime? ExpiresAt);

/// <summary>The public page of a share link; counts a view for the owner once the contents are shown.</summary>
[Access(AccessScope.Guest, Link = "key")]
public sealed class GetPublicShareEndpoint(NpgsqlDataSource db, GuestLinks links) : Endpoint<PublicShareKey, PublicShareResponse>
{
    // What the link shows, counted as GuestLinks.LinkMembers lists it, from the counters: an album's size, or the files
    // of the folder (and, for a link to its subfolders too, of every folder below it).
    private static readonly string AlbumCountSql = $"SELECT {AccessPolicy.AlbumAssetCount("al")} FROM albums al WHERE al.id = @albumId";

    private const string FolderCountSql = $"""
        SELECT coalesce(sum(f.asset_count), 0)::int FROM ({GuestLinks.LinkFolders}) t JOIN folders f ON f.id = t.id
        """;

    public override void Configure()
    {
        Get("s/{key}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicShare"));
    }

    public override async Task HandleAsync(PublicShareKey req, CancellationToken ct)
    {
        var (link, _, unlocked) = HttpContext.LinkGuest();
        if (!unlocked)
        {
            await Send.OkAsync(new PublicShareResponse(true, false, null, null, null, null, null, null, null, null, null), ct);
            return;
        }
        int count;
        await using (var conn = await db.OpenConnectionAsync(ct))
            count = await conn.ExecuteScalarAsync<int?>(link.FolderId is { } folderId
                ? new CommandDefinition(FolderCountSql, new { folderId, below = link.ApplyToSubfolders }, cancellationToken: ct)
                : new CommandDefinition(AlbumCountSql, new { albumId = link.AlbumId }, cancellationToken: ct)) ?? 0;
        await links.RecordAsync(link, download: false, ct);
        // Only guests of a public link ever need its password; signed-in invitees and Full Access users do not.
        await Send.OkAsync(new PublicShareResponse(link.PasswordRequired && link.Privacy == "public", true, link.TargetType, link.Title, link.Description, link.OwnerDisplayName,
            count, link.AllowDownload, link.AllowUpload, link.ShowMetadata, link.ExpiresAt), ct);
    }
}
