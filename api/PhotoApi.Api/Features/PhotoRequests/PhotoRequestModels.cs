using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Albums;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PhotoRequests;

/// <summary>A photo request as its owner sees it.</summary>
public sealed record PhotoRequestResponse
{
    public Guid Id { get; init; }
    public string Subject { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>Where the files go; null: the top of the owner's Personal Space.</summary>
    public Guid? FolderId { get; init; }
    /// <summary>The album the files are also added to, if any.</summary>
    public Guid? AlbumId { get; init; }
    /// <summary>The largest file accepted, in MB (1–3,000); null: the server's upload limit.</summary>
    public int? MaxFileSizeMb { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public bool Enabled { get; init; }
    /// <summary>The link key (256 random bits, URL-safe).</summary>
    public string Key { get; init; } = "";
    /// <summary>The page a guest opens in a browser (<c>&lt;origin&gt;/r/{key}</c>).</summary>
    public string Url { get; init; } = "";
    /// <summary>Files guests sent, by status.</summary>
    public int UploadCount { get; init; }
    public int ReadyCount { get; init; }
    public int FailedCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal static class PhotoRequestStore
{
    /// <summary>Columns of a request; its upload counters are kept by a trigger on its uploads, so reading them costs nothing.</summary>
    public const string Columns = """
        r.id, r.subject, r.description, r.folder_id, r.album_id, r.max_file_size_mb, r.expires_at, r.enabled, r.link_key AS key,
        r.upload_count, r.ready_count, r.failed_count,
        r.created_at, r.updated_at
        """;

    private const string ByIdSql = $"SELECT {Columns} FROM photo_requests r WHERE r.id = @id";

    public static async Task<PhotoRequestResponse> GetAsync(NpgsqlConnection conn, HttpRequest request, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var row = await conn.QuerySingleOrDefaultAsync<PhotoRequestResponse>(new CommandDefinition(ByIdSql, new { id }, tx, cancellationToken: ct))
                  ?? throw ApiException.NotFound("The photo request");
        return WithUrl(row, request);
    }

    /// <summary>The page a guest opens in a browser (<c>/r/{key}</c>, served by the web app, which calls <c>/api/v1/r/{key}</c>).</summary>
    public static PhotoRequestResponse WithUrl(PhotoRequestResponse r, HttpRequest request) =>
        r with { Url = $"{Shares.ShareStore.Origin(request)}/r/{r.Key}" };

    /// <summary>
    /// The destination must be a folder the creator may upload to, and the album one they own or are a Provider of
    /// (a manual album: conditional ones are filled by their conditions).
    /// </summary>
    public static async Task EnsureTargetsAsync(NpgsqlConnection conn, AccessPolicy policy, Principal principal, Guid? folderId, Guid? albumId, CancellationToken ct)
    {
        if (folderId is { } folder) await policy.EnsureAsync(principal, Permission.FolderPhotoRequest, folder, ct, "The folder");
        if (albumId is not { } album) return;
        await policy.EnsureAsync(principal, Permission.AlbumView, album, ct, "The album");
        if (await AlbumStore.KindAsync(conn, album, ct) != AlbumKinds.Manual ||
            !(await policy.AllowedAsync(principal, Permission.AlbumAddAssets, [album], ct)).Contains(album))
            throw new ApiException(400, ErrorCodes.RequestAlbumInvalid, "Photo requests add files to a manual album you own or are a Provider of.",
                new() { ["albumId"] = ["Choose a manual album you own or are a Provider of."] });
    }
}

/// <summary>The fields shared by creation and update.</summary>
public interface IPhotoRequestFields
{
    string? Subject { get; }
    string? Description { get; }
    int? MaxFileSizeMb { get; }
    DateTime? ExpiresAt { get; }
}

public static class PhotoRequestRules
{
    public static void AddPhotoRequestRules<T>(this AbstractValidator<T> v) where T : IPhotoRequestFields
    {
        v.RuleFor(x => x.Subject).Must(s => !string.IsNullOrWhiteSpace(s)).When(x => x.Subject is not null).WithMessage("A subject is required.")
            .MaximumLength(200).WithMessage("At most 200 characters.");
        v.RuleFor(x => x.Description).MaximumLength(2000).WithMessage("At most 2,000 characters.");
        v.RuleFor(x => x.MaxFileSizeMb).InclusiveBetween(1, 3000).When(x => x.MaxFileSizeMb is not null)
            .WithMessage("The largest file accepted is between 1 and 3,000 MB.");
        v.RuleFor(x => x.ExpiresAt).Must(e => e > DateTime.UtcNow).When(x => x.ExpiresAt is not null).WithMessage("The expiry must be in the future.");
    }
}
