using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Assets;

/// <summary>An asset as its viewers see it. Media URLs are short-lived signed links usable from an &lt;img src&gt;.</summary>
public sealed record AssetResponse
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public Guid? FolderId { get; init; }
    public string OriginalFileName { get; init; } = "";
    /// <summary><c>image</c>, <c>video</c> or <c>other</c> (documents: backed up, no derivatives).</summary>
    public string MediaType { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    /// <summary>SHA-256 of the original, lower-case hex.</summary>
    public string Checksum { get; init; } = "";
    public DateTime TakenAt { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? Orientation { get; init; }
    public string? CameraMake { get; init; }
    public string? CameraModel { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    /// <summary>A video's length in seconds (null for photos and other files, and until the worker has read it).</summary>
    public double? DurationSeconds { get; init; }
    /// <summary>A video's codec as ffmpeg names it (<c>h264</c>, <c>hevc</c>, <c>vp9</c>…); null for photos.</summary>
    public string? VideoCodec { get; init; }
    /// <summary>A video's sound codec (<c>aac</c>, <c>opus</c>…); null for photos and silent videos.</summary>
    public string? AudioCodec { get; init; }
    public int Rating { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string Description { get; init; } = "";
    /// <summary><c>pending</c> → <c>processing</c> → <c>ready</c> or <c>failed</c> (with <see cref="FailureReason"/>).</summary>
    public string Status { get; init; } = "";
    public string? FailureReason { get; init; }
    public string? DeviceId { get; init; }
    public string? DeviceAssetId { get; init; }
    public DateTime? TrashedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public AssetMediaUrls Urls { get; init; } = new(null, null, "");
}

/// <summary>
/// Signed URLs, valid for a short time without any header: thumbnail (250 px WebP), preview (1440 px JPEG), original
/// (null where the caller may view but not download, e.g. an album Viewer).
/// </summary>
/// <param name="Playback">A video a browser's &lt;video&gt; plays (H.264/AAC MP4, Range): the original when it already is
/// one, else the worker's copy; null for photos and until the copy is made.</param>
public sealed record AssetMediaUrls(string? Thumbnail, string? Preview, string? Original, string? Playback = null);

/// <summary>The row behind <see cref="AssetResponse"/>.</summary>
public sealed class AssetRow
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public Guid? FolderId { get; init; }
    public string OriginalFileName { get; init; } = "";
    public string MediaType { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    public byte[] Checksum { get; init; } = [];
    public string BlobKey { get; init; } = "";
    public DateTime TakenAt { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public short? Orientation { get; init; }
    public string? CameraMake { get; init; }
    public string? CameraModel { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public double? DurationSeconds { get; init; }
    public string? VideoCodec { get; init; }
    public string? AudioCodec { get; init; }
    /// <summary>The blob a &lt;video&gt; plays: the original itself, or the worker's playback copy; null until decided.</summary>
    public string? PlaybackKey { get; init; }
    public short Rating { get; init; }
    public string[] Tags { get; init; } = [];
    public string Description { get; init; } = "";
    public string Status { get; init; } = "";
    public string? FailureReason { get; init; }
    public string? ThumbnailKey { get; init; }
    public string? PreviewKey { get; init; }
    public string? DeviceId { get; init; }
    public string? DeviceAssetId { get; init; }
    public DateTime? TrashedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public static class AssetQueries
{
    public const string Columns = """
        a.id, a.owner_id, a.folder_id, a.original_file_name, a.media_type, a.content_type, a.size_bytes, a.checksum, a.blob_key,
        a.taken_at, a.width, a.height, a.orientation, a.camera_make, a.camera_model, a.latitude, a.longitude,
        a.duration_seconds, a.video_codec, a.audio_codec, a.playback_key, a.rating, a.tags, a.description, a.status, a.failure_reason, a.thumbnail_key, a.preview_key,
        a.device_id, a.device_asset_id, a.trashed_at, a.created_at, a.updated_at
        """;

    private const string ByIdsSql = $"SELECT {Columns} FROM assets a WHERE a.id = ANY(@ids)";

    /// <summary>Reads assets by id. Callers have asked the access policy first.</summary>
    public static async Task<List<AssetRow>> GetAsync(NpgsqlConnection conn, IReadOnlyCollection<Guid> ids, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        await conn.QueryPreparedAsync<AssetRow>(ByIdsSql, new { ids = ids.ToArray() }, ct, tx);

    public static async Task<AssetRow> GetOneAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        (await GetAsync(conn, [id], ct)).SingleOrDefault() ?? throw ApiException.NotFound("The asset");

    public static AssetResponse ToResponse(this AssetRow a, MediaUrls urls, bool downloadable) => new()
    {
        Id = a.Id, OwnerId = a.OwnerId, FolderId = a.FolderId, OriginalFileName = a.OriginalFileName, MediaType = a.MediaType,
        ContentType = a.ContentType, SizeBytes = a.SizeBytes, Checksum = Convert.ToHexStringLower(a.Checksum), TakenAt = a.TakenAt,
        Width = a.Width, Height = a.Height, Orientation = a.Orientation, CameraMake = a.CameraMake, CameraModel = a.CameraModel,
        Latitude = a.Latitude, Longitude = a.Longitude, DurationSeconds = a.DurationSeconds, VideoCodec = a.VideoCodec, AudioCodec = a.AudioCodec,
        Rating = a.Rating, Tags = a.Tags, Description = a.Description,
        Status = a.Status, FailureReason = a.FailureReason, DeviceId = a.DeviceId, DeviceAssetId = a.DeviceAssetId,
        TrashedAt = a.TrashedAt, CreatedAt = a.CreatedAt, UpdatedAt = a.UpdatedAt,
        Urls = urls.For(a, downloadable),
    };
}

/// <summary>
/// The filters and the keyset of an asset page, turned into SQL built from what is actually given (no catch-all
/// predicates, so the planner sees the index bounds): the dates and the keyset are bounds of the index the page walks;
/// <c>tag</c> and <c>q</c> can use their GIN indexes (tags keyed by owner; trigrams over name, description and tags) when
/// rare, and are checked along the walk when common; <c>type</c> and <c>minRating</c> are checked along the walk — a scan
/// bounded by the page unless very selective (a word common in other libraries but rare in the one walked reads either
/// that library or the word's matches: the trigram index is not per owner).
/// </summary>
/// <param name="Q">An ILIKE pattern (<see cref="Features.Common.Like.Contains"/>).</param>
/// <param name="AfterTakenAt">The keyset: the page starts after (<paramref name="AfterTakenAt"/>, <paramref name="AfterId"/>).</param>
/// <param name="Oldest">Oldest first (albums sorted so) instead of newest first.</param>
public sealed record AssetListFilter(DateTime? From = null, DateTime? To = null, string? Type = null, int? MinRating = null, string? Tag = null,
    string? Q = null, DateTime? AfterTakenAt = null, Guid AfterId = default, bool Oldest = false)
{
    public string Direction => Oldest ? "ASC" : "DESC";

    /// <summary>
    /// The predicates (each starting with AND) over asset <paramref name="a"/>, with the dates and keyset on
    /// <paramref name="takenAt"/> / <paramref name="id"/> (an album entry's own copy of its asset's date, say); their
    /// values go into <paramref name="args"/>. <paramref name="owner"/>: the SQL expression of the one owner whose library
    /// the query walks, whose tags the index keys by that owner; null where the walk crosses owners (folders, albums).
    /// </summary>
    public string Sql(DynamicParameters args, string a = "a", string? takenAt = null, string? id = null, string? owner = null)
    {
        takenAt ??= $"{a}.taken_at";
        id ??= $"{a}.id";
        var sql = new System.Text.StringBuilder();
        if (AfterTakenAt is { } after)
        {
            args.Add("afterTakenAt", after);
            args.Add("afterId", AfterId);
            sql.Append($" AND ({takenAt}, {id}) {(Oldest ? ">" : "<")} (@afterTakenAt, @afterId)");
        }
        if (From is { } from) { args.Add("from", from); sql.Append($" AND {takenAt} >= @from"); }
        if (To is { } to) { args.Add("to", to); sql.Append($" AND {takenAt} < @to"); }
        if (Type is { } type) { args.Add("type", type); sql.Append($" AND {a}.media_type = @type"); }
        if (MinRating is { } rating) { args.Add("minRating", rating); sql.Append($" AND {a}.rating >= @minRating"); }
        if (Tag is { } tag)
        {
            args.Add("tag", tag);
            sql.Append(owner is null
                ? $" AND lower_tags({a}.tags) @> ARRAY[lower(@tag)]"
                : $" AND owner_tags({a}.owner_id, {a}.tags) @> ARRAY[{owner}::text || ':' || lower(@tag)]");
        }
        if (Q is { } q)
        {
            // The fields joined by line breaks, as the trigram index holds them: text without a line break matches the
            // joined text exactly where it matches one of the fields. Text with one could match across two fields, so
            // then each field is checked on its own as well.
            args.Add("q", q);
            sql.Append($" AND asset_search_text({a}.original_file_name, {a}.description, {a}.tags) ILIKE @q");
            if (q.Contains('\n'))
                sql.Append($" AND ({a}.original_file_name ILIKE @q OR {a}.description ILIKE @q OR EXISTS (SELECT 1 FROM unnest({a}.tags) t WHERE t ILIKE @q))");
        }
        return sql.ToString();
    }

    public string OrderBy(string takenAt = "a.taken_at", string id = "a.id") => $"ORDER BY {takenAt} {Direction}, {id} {Direction}";
}

/// <summary>
/// What an album shows, one page at a time, in the album's order: for manual and selection albums a walk of
/// <c>album_assets_order_idx</c> (entries carry their asset's date) keeping each entry whoever added it may still view
/// now; for conditional albums a walk of the owner's timeline with the conditions as bounds and filters. Every album
/// page (the album, the timeline's album view, album links, a photo request's page) runs this.
/// </summary>
public static class AlbumPages
{
    /// <summary>An album as its pages need it, with its saved filter as stored (tags lower-case).</summary>
    public sealed record Album
    {
        public Guid Id { get; init; }
        public Guid OwnerId { get; init; }
        public string Kind { get; init; } = "";
        public string SortOrder { get; init; } = "newest";
        public Albums.AlbumConditions Conditions { get; init; } = new();
    }

    // The filter's columns under the names of AlbumConditions, from folder_ids on (never NULL: an empty list is no condition).
    private const string AlbumSql = """
        SELECT id, owner_id, kind, sort_order, coalesce(cond_folder_ids, '{}') AS folder_ids, cond_from AS "from", cond_to AS "to",
               cond_tags AS tags, cond_min_rating AS min_rating, cond_media_type AS media_type, cond_camera AS camera
        FROM albums WHERE id = @id
        """;

    public static async Task<Album?> FindAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        (await conn.QueryPreparedAsync<Album, Albums.AlbumConditions, Album>(AlbumSql, new { id },
            (album, conditions) => album with { Conditions = conditions! }, "folder_ids", ct)).SingleOrDefault();

    /// <summary>
    /// The page query (<see cref="AssetQueries.Columns"/>, then <c>added_at</c>, <c>added_by</c>: NULL for conditional
    /// albums), named <paramref name="name"/>. <paramref name="visible"/>: a further predicate over asset <c>a</c> in
    /// folder <c>f</c> (a link's owner and caller), its parameters in <paramref name="args"/>.
    /// </summary>
    public static ListQuery Page(string name, Album album, AssetListFilter filter, int take, string visible = "", DynamicParameters? args = null)
    {
        args ??= new DynamicParameters();
        args.Add("take", take);
        return new ListQuery(name, $"{Select(album, filter, args, visible)} {filter.OrderBy(album.Kind == "conditional" ? "a.taken_at" : "aa.taken_at", album.Kind == "conditional" ? "a.id" : "aa.asset_id")} LIMIT @take", args);
    }

    /// <summary>How many assets the album shows that pass <paramref name="filter"/>: as costly as the album is large.</summary>
    public static (string Sql, DynamicParameters Args) Count(Album album, AssetListFilter filter)
    {
        var args = new DynamicParameters();
        return ($"SELECT count(*)::int FROM ({Select(album, filter, args, "")}) m", args);
    }

    private static string Select(Album album, AssetListFilter filter, DynamicParameters args, string visible)
    {
        args.Add("albumId", album.Id);
        args.Add("albumOwnerId", album.OwnerId);
        // Folders are joined only where a further predicate reads them: a join there can keep the planner from walking
        // the owner's timeline in order.
        if (album.Kind == "conditional")
            return $"""
                SELECT {AssetQueries.Columns}, NULL::timestamptz AS added_at, NULL::uuid AS added_by
                FROM assets a{(visible == "" ? "" : " LEFT JOIN folders f ON f.id = a.folder_id")}
                WHERE a.owner_id = @albumOwnerId AND a.trashed_at IS NULL{AccessPolicy.ConditionsFilter(album.Conditions, album.OwnerId, args, "a")}{filter.Sql(args, owner: "@albumOwnerId")}
                  AND {AccessPolicy.ConditionalOwnerShows("@albumOwnerId", "a")}{visible}
                """;
        // Each entry's asset and folder are fetched by key as the walk reaches it (OFFSET 0 keeps the subqueries from
        // being flattened into a join the planner could turn into a hash join over all of assets), so the walk keeps the
        // index's order and stops at the LIMIT.
        return $"""
            SELECT {AssetQueries.Columns}, aa.added_at, aa.added_by
            FROM album_assets aa
            CROSS JOIN LATERAL (SELECT * FROM assets ea WHERE ea.id = aa.asset_id OFFSET 0) a
            LEFT JOIN LATERAL (SELECT * FROM folders ef WHERE ef.id = a.folder_id OFFSET 0) f ON true
            WHERE aa.album_id = @albumId AND a.trashed_at IS NULL{filter.Sql(args, "a", "aa.taken_at", "aa.asset_id")}
              AND {AccessPolicy.AlbumEntryShows("aa", "@albumOwnerId", "a", "f")}{visible}
            """;
    }
}

/// <summary>
/// Turns rows the caller may view into responses: every response signs the thumbnail and preview, and signs the original
/// only where the access policy allows the caller to download it (one batch question per page).
/// </summary>
public sealed class AssetViews(AccessPolicy policy, MediaSigner signer)
{
    public async Task<List<AssetResponse>> ForAsync(Principal principal, IReadOnlyList<AssetRow> rows, CancellationToken ct)
    {
        var urls = await signer.UrlsAsync(ct);
        var downloadable = await policy.AllowedAsync(principal, Permission.AssetDownload, rows.Select(r => r.Id).ToList(), ct);
        return rows.Select(r => r.ToResponse(urls, downloadable.Contains(r.Id))).ToList();
    }

    public async Task<AssetResponse> ForAsync(Principal principal, AssetRow row, CancellationToken ct) =>
        (await ForAsync(principal, [row], ct))[0];

    /// <summary>
    /// Signed thumbnail URLs for lists that show an asset's picture beside something else (a cover, a guest's upload):
    /// of <paramref name="withThumbnail"/> (assets that have a thumbnail), those the principal may view, by id — one batch
    /// question per page. Assets missing from the answer show no picture.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, string>> ThumbnailsAsync(Principal principal, IReadOnlyCollection<Guid> withThumbnail, CancellationToken ct)
    {
        if (withThumbnail.Count == 0) return new Dictionary<Guid, string>();
        var urls = await signer.UrlsAsync(ct);
        var viewable = await policy.AllowedAsync(principal, Permission.AssetView, withThumbnail, ct);
        return viewable.ToDictionary(id => id, id => urls.Thumbnail(id));
    }
}

public sealed class MoveAssetsRequest
{
    public Guid[] Ids { get; set; } = [];
    /// <summary>The target folder; null: the top of the caller's Personal Space.</summary>
    public Guid? FolderId { get; set; }
}

public sealed class MoveAssetsValidator : Validator<MoveAssetsRequest>
{
    public MoveAssetsValidator() => RuleFor(x => x.Ids).NotEmpty().Must(i => i.Length <= 1000).WithMessage("Between 1 and 1,000 ids.");
}

/// <summary>The timeline cursor: the (takenAt, id) of the last item, opaque to clients.</summary>
public static class TimelineCursor
{
    public static string Of(DateTime takenAt, Guid id) =>
        Secrets.Base64Url(System.Text.Encoding.ASCII.GetBytes($"{takenAt.Ticks}:{id:N}"));

    public static (DateTime? TakenAt, Guid AfterId) Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (null, Guid.Empty);
        try
        {
            var decoded = PhotoApi.Api.Infrastructure.Auth.Secrets.FromBase64Url(cursor);
            var parts = System.Text.Encoding.ASCII.GetString(decoded).Split(':');
            return (new DateTime(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw ApiException.Validation("cursor", "The cursor is not one this API returned.");
        }
    }
}
