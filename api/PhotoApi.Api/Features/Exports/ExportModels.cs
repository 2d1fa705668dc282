using Dapper;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Exports;

/// <summary>
/// A library export as its owner sees it. <c>status</c>: <c>pending</c> (being prepared), <c>ready</c> (downloadable until
/// <c>expiresAt</c>; <c>downloadUrl</c> then holds a fresh archive link, valid <c>downloadUrlExpiresAt</c>),
/// <c>failed</c> (<c>failureReason</c>) or <c>expired</c>.
/// </summary>
public sealed record ExportResponse(Guid Id, string Status, DateTime CreatedAt, DateTime? PreparedAt, DateTime? ExpiresAt, int? AssetCount,
    long? TotalBytes, string? FailureReason, string? DownloadUrl, DateTime? DownloadUrlExpiresAt);

/// <summary>An export row of the caller (every query here is keyed by its owner).</summary>
public sealed record ExportRow(Guid Id, string Status, DateTime CreatedAt, DateTime? PreparedAt, DateTime? ExpiresAt, int? AssetCount,
    long? TotalBytes, string? FailureReason)
{
    /// <summary>Ready and not past its expiry (the sweep may not have run yet: expired is said at once).</summary>
    public bool Downloadable => Status == "ready";
}

public static class ExportQueries
{
    // A ready export past its expiry is expired, whether or not the sweep has deleted its metadata yet.
    public const string Columns = """
        id, CASE WHEN status = 'ready' AND expires_at <= now() THEN 'expired' ELSE status END AS status,
        created_at, prepared_at, expires_at, asset_count, total_bytes, failure_reason
        """;

    private const string GetSql = $"SELECT {Columns} FROM exports WHERE id = @id AND owner_id = @ownerId";

    /// <summary>The owner's export <paramref name="id"/>, or null (another user's export is as missing as an unknown one).</summary>
    public static Task<ExportRow?> GetAsync(NpgsqlConnection conn, Guid id, Guid ownerId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ExportRow>(new CommandDefinition(GetSql, new { id, ownerId }, cancellationToken: ct));

    /// <summary>The export as answered to its owner: with an archive link (made with the caller's credential) when it is ready.</summary>
    public static async Task<ExportResponse> ResponseAsync(ExportRow e, System.Security.Claims.ClaimsPrincipal caller, ArchiveLinks links, CancellationToken ct)
    {
        if (!e.Downloadable) return Listed(e);
        var (token, expiresAt) = await links.CreateForExportAsync(caller, e.Id, ct);
        return Listed(e) with
        {
            DownloadUrl = $"{Common.ApiRoutes.Base}/downloads/archive-links/{token}",
            DownloadUrlExpiresAt = expiresAt < e.ExpiresAt ? expiresAt : e.ExpiresAt,
        };
    }

    /// <summary>The export as a list shows it: without a download link (a link is a row written; getExport makes one).</summary>
    public static ExportResponse Listed(ExportRow e) =>
        new(e.Id, e.Status, e.CreatedAt, e.PreparedAt, e.ExpiresAt, e.AssetCount, e.TotalBytes, e.FailureReason, null, null);
}
