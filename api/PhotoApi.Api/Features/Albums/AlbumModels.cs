using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Albums;

public static class AlbumKinds
{
    public const string Manual = "manual";
    public const string Conditional = "conditional";
    /// <summary>The hidden album behind a selection share: reached through the share, never listed as an album.</summary>
    public const string Selection = "selection";
}

/// <summary>
/// The saved filter of a conditional album; every condition given must hold. It collects the album owner's own photos
/// (never the trash), evaluated each time the album is read.
/// </summary>
public sealed class AlbumConditions
{
    /// <summary>In one of these folders or any folder below them.</summary>
    public Guid[]? FolderIds { get; set; }
    /// <summary>Taken at or after.</summary>
    public DateTime? From { get; set; }
    /// <summary>Taken before.</summary>
    public DateTime? To { get; set; }
    /// <summary>Carries any of these tags (case-insensitive).</summary>
    public string[]? Tags { get; set; }
    public int? MinRating { get; set; }
    /// <summary><c>image</c>, <c>video</c> or <c>other</c>.</summary>
    public string? MediaType { get; set; }
    /// <summary>Found in the camera make or model, case-insensitive (e.g. "iPhone").</summary>
    public string? Camera { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => (FolderIds is null || FolderIds.Length == 0) && From is null && To is null && (Tags is null || Tags.Length == 0)
                           && MinRating is null && MediaType is null && string.IsNullOrWhiteSpace(Camera);
}

public sealed class AlbumConditionsValidator : AbstractValidator<AlbumConditions>
{
    public AlbumConditionsValidator()
    {
        RuleFor(x => x).Must(c => !c.IsEmpty).OverridePropertyName("conditions").WithMessage("A conditional album needs at least one condition.");
        RuleFor(x => x.FolderIds).Must(f => f!.Length <= 100).When(x => x.FolderIds is not null).WithMessage("At most 100 folders.");
        RuleFor(x => x.Tags).Must(t => t!.Length <= 50).When(x => x.Tags is not null).WithMessage("At most 50 tags.");
        RuleForEach(x => x.Tags).NotEmpty().MaximumLength(100);
        RuleFor(x => x.MinRating).InclusiveBetween(0, 5).When(x => x.MinRating is not null);
        RuleFor(x => x.MediaType).Must(t => t.IsOneOf("image", "video", "other")).When(x => x.MediaType is not null).WithMessage("One of: image, video, other.");
        RuleFor(x => x.Camera).MaximumLength(100);
        RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null).WithMessage("'to' must be after 'from'.");
    }
}

public sealed record AlbumOwner(Guid Id, string Username, string DisplayName);

/// <summary>An album as the caller sees it, with the caller's role on it.</summary>
public sealed record AlbumResponse
{
    public Guid Id { get; init; }
    /// <summary><c>manual</c>, <c>conditional</c> or <c>selection</c> (the album behind a selection share).</summary>
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public AlbumOwner Owner { get; init; } = null!;
    /// <summary>The caller's role: <c>owner</c>, <c>provider</c>, <c>downloader</c> or <c>viewer</c>.</summary>
    public string Role { get; init; } = "";
    public Guid? CoverAssetId { get; init; }
    /// <summary>
    /// The cover's small thumbnail, signed like every media URL; null when there is no cover, the cover has no thumbnail
    /// (yet), or the album no longer shows it (trashed, or its contributor lost access to it) — then the caller may not view it through the album.
    /// </summary>
    public string? CoverThumbnailUrl { get; init; }
    /// <summary><c>newest</c> or <c>oldest</c> first, by the time taken.</summary>
    public string SortOrder { get; init; } = "";
    /// <summary>The saved filter (conditional albums only).</summary>
    public AlbumConditions? Conditions { get; init; }
    /// <summary>What the album shows now (the trash never counts).</summary>
    public int AssetCount { get; init; }
    /// <summary>The album's share, for its owner; null when it is not shared or the caller is an invitee.</summary>
    public Guid? ShareId { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal static class AlbumStore
{
    /// <summary>
    /// Columns of an album for the caller (<c>@userId</c>); the caller's role is NULL where they have none. Each costs what
    /// one album's row costs (its size comes from its counter; its cover is one asset looked up by id and checked to be one
    /// the album still shows), so lists select them for the rows of the page only.
    /// </summary>
    public static readonly string Columns = $"""
        al.id, al.kind, al.name, al.description, al.owner_id, u.username AS owner_username, u.display_name AS owner_display_name,
        {AccessPolicy.CallerAlbumRole("al")} AS role, al.cover_asset_id,
        {AccessPolicy.AlbumCover("al")} AS cover_thumbnail_id,
        al.sort_order,
        al.cond_folder_ids, al.cond_from, al.cond_to, al.cond_tags, al.cond_min_rating, al.cond_media_type, al.cond_camera,
        {AccessPolicy.AlbumAssetCount("al")} AS asset_count,
        (SELECT s.id FROM shares s WHERE s.album_id = al.id AND al.owner_id = @userId) AS share_id,
        al.created_at, al.updated_at
        """;

    private static readonly string ByIdSql = $"SELECT {Columns} FROM albums al JOIN users u ON u.id = al.owner_id WHERE al.id = @id";

    internal sealed class Row
    {
        public Guid Id { get; init; }
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string Description { get; init; } = "";
        public Guid OwnerId { get; init; }
        public string OwnerUsername { get; init; } = "";
        public string OwnerDisplayName { get; init; } = "";
        public string? Role { get; init; }
        public Guid? CoverAssetId { get; init; }
        /// <summary>The cover, when it has a thumbnail and the album still shows it.</summary>
        public Guid? CoverThumbnailId { get; init; }
        public string SortOrder { get; init; } = "";
        public Guid[]? CondFolderIds { get; init; }
        public DateTime? CondFrom { get; init; }
        public DateTime? CondTo { get; init; }
        public string[]? CondTags { get; init; }
        public short? CondMinRating { get; init; }
        public string? CondMediaType { get; init; }
        public string? CondCamera { get; init; }
        public int AssetCount { get; init; }
        public Guid? ShareId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        public AlbumResponse ToResponse(Assets.MediaUrls urls) => new()
        {
            Id = Id, Kind = Kind, Name = Name, Description = Description, Owner = new AlbumOwner(OwnerId, OwnerUsername, OwnerDisplayName),
            Role = Role ?? "", CoverAssetId = CoverAssetId, CoverThumbnailUrl = CoverThumbnailId is { } cover ? urls.Thumbnail(cover) : null, SortOrder = SortOrder, AssetCount = AssetCount, ShareId = ShareId,
            CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
            Conditions = Kind != AlbumKinds.Conditional ? null : new AlbumConditions
            {
                FolderIds = CondFolderIds, From = CondFrom, To = CondTo, Tags = CondTags, MinRating = CondMinRating,
                MediaType = CondMediaType, Camera = CondCamera,
            },
        };
    }

    /// <summary>Reads one album for the caller, who has been allowed AlbumView by the policy.</summary>
    public static async Task<AlbumResponse> GetAsync(NpgsqlConnection conn, Assets.MediaSigner signer, Guid userId, Guid id, CancellationToken ct,
        NpgsqlTransaction? tx = null) =>
        (await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ByIdSql, new { id, userId }, tx, cancellationToken: ct)))?.ToResponse(await signer.UrlsAsync(ct))
        ?? throw ApiException.NotFound("The album");

    public static async Task<string> KindAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT kind FROM albums WHERE id = @id", new { id }, cancellationToken: ct))
        ?? throw ApiException.NotFound("The album");

    /// <summary>The conditions as the columns store them (tags lower-case, camera trimmed, empty lists as NULL).</summary>
    public static object ConditionParameters(AlbumConditions? c) => new
    {
        condFolderIds = c?.FolderIds is { Length: > 0 } f ? f.Distinct().ToArray() : null,
        condFrom = c?.From,
        condTo = c?.To,
        condTags = c?.Tags is { Length: > 0 } t ? t.Select(x => x.Trim().ToLowerInvariant()).Distinct().ToArray() : null,
        condMinRating = (short?)c?.MinRating,
        condMediaType = c?.MediaType,
        condCamera = string.IsNullOrWhiteSpace(c?.Camera) ? null : c.Camera.Trim(),
    };

    /// <summary>Folders named in conditions must be ones the caller may view.</summary>
    public static async Task EnsureConditionFoldersAsync(AccessPolicy policy, Principal principal, AlbumConditions? c, CancellationToken ct)
    {
        if (c?.FolderIds is { Length: > 0 } folders) await policy.EnsureAsync(principal, Permission.FolderView, folders, ct, "A folder of the conditions");
    }

    /// <summary>Conditional albums are filled by their conditions: they take no entries.</summary>
    public static async Task EnsureManualAsync(NpgsqlConnection conn, Guid albumId, CancellationToken ct)
    {
        if (await KindAsync(conn, albumId, ct) == AlbumKinds.Conditional)
            throw new ApiException(409, ErrorCodes.AlbumNotManual, "A conditional album is filled by its conditions; change them instead.");
    }

    public static Task TouchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid albumId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("UPDATE albums SET updated_at = now() WHERE id = @albumId", new { albumId }, tx, cancellationToken: ct));
}

public static class AlbumRules
{
    public static IRuleBuilderOptions<T, string?> AlbumName<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("A name is required.")
        .MaximumLength(255).WithMessage("At most 255 characters.");

    public static IRuleBuilderOptions<T, string?> SortOrder<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(s => s.IsOneOf("newest", "oldest")).WithMessage("One of: newest, oldest.");
}

public sealed class AlbumAssetsRequest
{
    public Guid Id { get; set; }
    public Guid[] AssetIds { get; set; } = [];
}

public sealed class AlbumAssetsValidator : Validator<AlbumAssetsRequest>
{
    public AlbumAssetsValidator() =>
        RuleFor(x => x.AssetIds).NotEmpty().Must(a => a.Length <= 10_000).WithMessage("Between 1 and 10,000 asset ids.");
}
