using System.Data;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using PhotoApi.Contracts;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Workers.Jobs.Export;

/// <summary>
/// Prepares a library export: one REPEATABLE READ transaction reads the owner's library as of one snapshot — their own
/// assets that are not in the trash (the trash is on its way out and is not exported), the folders they are in, the
/// owner's albums with their entries, the shares they made with invitees, roles and link settings (never a link's key or
/// password) — and, inside it, the originals' paths in the zip are listed (<c>export_assets</c>) and the export is marked
/// ready, once <c>library.json</c> and <c>library.csv</c> are stored (keys made from the export's id: a run that dies
/// leaves only what the next run, or the sweep, overwrites or deletes). Paths: <c>Personal Space/…</c> and
/// <c>Shared Space/…</c> with the library's folders, names made plain and unique (<see cref="FileNames"/>, as the zip
/// writer makes them). Album entries name only the owner's exported assets; others' assets in their albums (added by a
/// contributor) and trashed ones are counted, not named.
/// </summary>
public sealed class ExportJob(NpgsqlDataSource db, IBlobStore blobs, IConfiguration configuration, ILogger<ExportJob> logger) : IExportJob
{
    public const string JsonFile = "library.json";
    public const string CsvFile = "library.csv";
    public const string PersonalRoot = "Personal Space";
    public const string SharedRoot = "Shared Space";

    private const string ClaimSql = """
        SELECT u.id, u.username, u.display_name, u.email, now() AS prepared_at
        FROM exports e JOIN users u ON u.id = e.owner_id
        WHERE e.id = @id AND e.status = 'pending'
        FOR UPDATE OF e
        """;

    private const string AssetsSql = """
        SELECT id, folder_id, original_file_name, taken_at, media_type, content_type, size_bytes, checksum, rating, tags, description,
               camera_make, camera_model, latitude, longitude, width, height, duration_seconds
        FROM assets WHERE owner_id = @ownerId AND trashed_at IS NULL
          -- The caller's Personal Space: uploading to Shared Space gives the uploader no right of their own there (what
          -- they may read of it is the Space's permissions, which the access policy answers per request), so it is not theirs to take.
          AND NOT in_shared_space
        ORDER BY taken_at, id
        """;

    // The folders holding the owner's assets or their folder shares, and every folder above them.
    private const string FoldersSql = """
        WITH RECURSIVE f AS (
            SELECT id, parent_id, space, name FROM folders
            WHERE id IN (SELECT folder_id FROM assets WHERE owner_id = @ownerId AND trashed_at IS NULL AND NOT in_shared_space AND folder_id IS NOT NULL
                         UNION SELECT folder_id FROM shares WHERE owner_id = @ownerId AND folder_id IS NOT NULL)
            UNION
            SELECT p.id, p.parent_id, p.space, p.name FROM folders p JOIN f ON p.id = f.parent_id)
        SELECT id, parent_id, space, name FROM f ORDER BY space, lower(name), id
        """;

    private const string AlbumsSql = """
        SELECT id, kind, name, description, sort_order, created_at, cond_folder_ids, cond_from, cond_to, cond_tags, cond_min_rating,
               cond_media_type, cond_camera
        FROM albums WHERE owner_id = @ownerId ORDER BY created_at, id
        """;

    private const string EntriesSql = """
        SELECT aa.album_id, aa.asset_id, aa.added_at, a.owner_id = @ownerId AND a.trashed_at IS NULL AS exported
        FROM album_assets aa JOIN albums al ON al.id = aa.album_id AND al.owner_id = @ownerId JOIN assets a ON a.id = aa.asset_id
        ORDER BY aa.album_id, aa.added_at, aa.asset_id
        """;

    // What a share is and who it is with; of its link, the settings only — no key, no password (whether there is one).
    private const string SharesSql = """
        SELECT s.id, s.target_type, s.album_id, al.name AS album_name, s.folder_id, s.apply_to_subfolders, s.link_enabled, s.privacy,
               s.password_hash IS NOT NULL AS password_protected, s.expires_at, s.allow_download, s.allow_upload, s.show_metadata,
               s.description, s.view_count, s.download_count, s.last_accessed_at, s.created_at
        FROM shares s LEFT JOIN albums al ON al.id = s.album_id
        WHERE s.owner_id = @ownerId ORDER BY s.created_at, s.id
        """;

    private const string InviteesSql = """
        SELECT i.share_id, CASE WHEN i.user_id IS NULL THEN 'group' ELSE 'user' END AS type, coalesce(i.user_id, i.group_id) AS id,
               coalesce(u.username, g.name) AS name, coalesce(u.display_name, g.name) AS display_name, i.role, i.created_at
        FROM share_invitees i JOIN shares s ON s.id = i.share_id AND s.owner_id = @ownerId
        LEFT JOIN users u ON u.id = i.user_id LEFT JOIN groups g ON g.id = i.group_id
        ORDER BY i.share_id, i.created_at, coalesce(i.user_id, i.group_id)
        """;

    private const string ClearSql = "DELETE FROM export_assets WHERE export_id = @id";

    private const string ReadySql = """
        UPDATE exports SET status = 'ready', prepared_at = @preparedAt, expires_at = @preparedAt + @lifetime,
                           asset_count = @count, total_bytes = @bytes
        WHERE id = @id AND status = 'pending'
        """;

    private const string FailSql = "UPDATE exports SET status = 'failed', failure_reason = @reason WHERE id = @id AND status = 'pending'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file to read, not a page: names and descriptions as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>How long a ready export downloads (<c>Export:ExpiryHours</c>, 72 by default).</summary>
    public static TimeSpan LifetimeOf(IConfiguration configuration) =>
        TimeSpan.FromHours(Math.Max(0.01, configuration.GetValue<double?>("Export:ExpiryHours") ?? 72));

    public async Task PrepareAsync(Guid exportId, CancellationToken ct)
    {
        try
        {
            await PrepareCoreAsync(exportId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Failed with the reason, at once: the user asks again. Only a stopped worker (cancelled) hands it back for a retry.
            logger.LogError(e, "Export {ExportId} failed", exportId);
            int failed;
            await using (var conn = await db.OpenConnectionAsync(CancellationToken.None))
                failed = await conn.ExecuteAsync(new CommandDefinition(FailSql, new
                {
                    id = exportId, reason = $"The export could not be prepared ({e.GetType().Name}). Request a new one.",
                }, cancellationToken: CancellationToken.None));
            // Only this run's files, of an export it failed: another run of the same export may have made it ready (this
            // one then failed on its row), and a ready export's files are the sweep's and the collector's to delete.
            if (failed == 1) await DeleteFilesAsync(blobs, exportId, CancellationToken.None);
        }
    }

    /// <summary>The keys of an export's metadata files.</summary>
    public static string[] FileKeys(Guid exportId) => [BlobKeys.ExportFile(exportId, JsonFile), BlobKeys.ExportFile(exportId, CsvFile)];

    /// <summary>Deletes the metadata files of an export this run failed (written or not: a missing blob is already deleted;
    /// never ready, so no backup names them).</summary>
    private static async Task DeleteFilesAsync(IBlobStore blobs, Guid exportId, CancellationToken ct)
    {
        foreach (var key in FileKeys(exportId)) await blobs.DeleteAsync(key, ct);
    }

    private async Task PrepareCoreAsync(Guid exportId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var owner = await conn.QuerySingleOrDefaultAsync<OwnerRow>(new CommandDefinition(ClaimSql, new { id = exportId }, tx, cancellationToken: ct));
        if (owner is null) return; // prepared already, failed, or its account is gone (the sweep deletes it)
        var args = new { ownerId = owner.Id };
        var assets = (await conn.QueryAsync<AssetRow>(new CommandDefinition(AssetsSql, args, tx, cancellationToken: ct))).AsList();
        var folders = (await conn.QueryAsync<FolderRow>(new CommandDefinition(FoldersSql, args, tx, cancellationToken: ct))).ToDictionary(f => f.Id);
        var albums = (await conn.QueryAsync<AlbumRow>(new CommandDefinition(AlbumsSql, args, tx, cancellationToken: ct))).AsList();
        var entries = (await conn.QueryAsync<EntryRow>(new CommandDefinition(EntriesSql, args, tx, cancellationToken: ct))).ToLookup(e => e.AlbumId);
        var shares = (await conn.QueryAsync<ShareRow>(new CommandDefinition(SharesSql, args, tx, cancellationToken: ct))).AsList();
        var invitees = (await conn.QueryAsync<InviteeRow>(new CommandDefinition(InviteesSql, args, tx, cancellationToken: ct))).ToLookup(i => i.ShareId);

        var layout = new Layout(folders);
        var paths = assets.ToDictionary(a => a.Id, a => layout.PathOf(a));
        var document = new LibraryDocument(
            "photoapi-library-export", 1, exportId, owner.PreparedAt,
            "Originals are in the zip at 'path'. Assets deleted or trashed after preparedAt are left out of the zip and listed in missing.csv.",
            new ExportedUser(owner.Id, owner.Username, owner.DisplayName, owner.Email),
            assets.Select(a => new ExportedAsset(a.Id, a.OriginalFileName, paths[a.Id], layout.LibraryPath(a.FolderId),
                a.FolderId is { } f && folders[f].Space == "shared" ? "shared" : "personal",
                a.TakenAt, a.MediaType, a.ContentType, a.SizeBytes, Convert.ToHexStringLower(a.Checksum), a.Rating, a.Tags, a.Description,
                a.CameraMake is null && a.CameraModel is null ? null : new Camera(a.CameraMake, a.CameraModel),
                a.Latitude is { } lat && a.Longitude is { } lon ? new Place(lat, lon) : null,
                a.Width, a.Height, a.DurationSeconds)).ToList(),
            albums.Select(al => new ExportedAlbum(al.Id, al.Name, al.Kind, al.Description, al.SortOrder, al.CreatedAt,
                entries[al.Id].Where(e => e.Exported).Select(e => new ExportedEntry(e.AssetId, paths.GetValueOrDefault(e.AssetId), e.AddedAt)).ToList(),
                entries[al.Id].Count(e => !e.Exported),
                al.Kind == "conditional"
                    ? new Conditions(al.CondFolderIds, al.CondFrom, al.CondTo, al.CondTags, al.CondMinRating,
                        al.CondMediaType, al.CondCamera)
                    : null)).ToList(),
            shares.Select(s => new ExportedShare(s.Id, s.CreatedAt,
                new ShareTarget(s.TargetType, s.AlbumId, s.AlbumName, s.FolderId, s.FolderId is { } f ? layout.LibraryPath(f) : null, s.ApplyToSubfolders),
                invitees[s.Id].Select(i => new ExportedInvitee(i.Type, i.Id, i.Name, i.DisplayName, i.Role, i.CreatedAt)).ToList(),
                new ShareLinkSettings(s.LinkEnabled, s.Privacy, s.PasswordProtected, s.ExpiresAt, s.AllowDownload, s.AllowUpload, s.ShowMetadata,
                    s.Description, s.ViewCount, s.DownloadCount, s.LastAccessedAt))).ToList());

        await StoreAsync(BlobKeys.ExportFile(exportId, JsonFile), s => JsonSerializer.SerializeAsync(s, document, Json, ct), ct);
        await StoreAsync(BlobKeys.ExportFile(exportId, CsvFile), s => WriteCsvAsync(s, document.Assets, ct), ct);

        await conn.ExecuteAsync(new CommandDefinition(ClearSql, new { id = exportId }, tx, cancellationToken: ct));
        await using (var copy = await conn.BeginBinaryImportAsync("COPY export_assets (export_id, position, asset_id, zip_path) FROM STDIN (FORMAT BINARY)", ct))
        {
            var position = 0;
            foreach (var a in assets)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(exportId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(position++, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(a.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(paths[a.Id], NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await conn.ExecuteAsync(new CommandDefinition(ReadySql, new
        {
            id = exportId, preparedAt = owner.PreparedAt, lifetime = LifetimeOf(configuration), count = assets.Count, bytes = assets.Sum(a => a.SizeBytes),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        logger.LogInformation("Export {ExportId} ready: {Count} assets", exportId, assets.Count);
    }

    private async Task StoreAsync(string key, Func<Stream, Task> write, CancellationToken ct)
    {
        await using var upload = await blobs.BeginUploadAsync(ct);
        // Flushed, not disposed: disposing it would close the upload's stream before the commit.
        var buffered = new BufferedStream(upload.Content, 64 * 1024);
        await write(buffered);
        await buffered.FlushAsync(ct);
        await upload.CommitAsync(key, ct);
    }

    private static async Task WriteCsvAsync(Stream stream, IEnumerable<ExportedAsset> assets, CancellationToken ct)
    {
        await using var csv = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await csv.WriteLineAsync("id,path,fileName,folderPath,space,takenAt,mediaType,sizeBytes,checksum,rating,tags,description,cameraMake,cameraModel,latitude,longitude");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var a in assets)
        {
            ct.ThrowIfCancellationRequested();
            await csv.WriteLineAsync(string.Join(',',
                a.Id.ToString(), Csv.Field(a.Path), Csv.Field(a.FileName), Csv.Field(a.FolderPath), a.Space,
                a.TakenAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", invariant), a.MediaType,
                a.SizeBytes.ToString(invariant), a.Checksum, a.Rating.ToString(invariant), Csv.Field(string.Join(';', a.Tags)), Csv.Field(a.Description),
                Csv.Field(a.Camera?.Make), Csv.Field(a.Camera?.Model),
                a.Place?.Latitude.ToString("R", invariant) ?? "", a.Place?.Longitude.ToString("R", invariant) ?? ""));
        }
    }

    /// <summary>
    /// Where things go in the zip: every folder gets its directory first (so no file can take a folder's name), siblings
    /// made distinct, then each file a plain name unique in its directory.
    /// </summary>
    private sealed class Layout
    {
        private readonly Dictionary<Guid, FolderRow> _folders;
        private readonly Dictionary<Guid, string> _dirs = new();
        private readonly HashSet<string> _taken = new(StringComparer.OrdinalIgnoreCase) { JsonFile, CsvFile, "missing.csv", PersonalRoot, SharedRoot };

        public Layout(Dictionary<Guid, FolderRow> folders)
        {
            _folders = folders;
            foreach (var id in folders.Keys) DirOf(id);
        }

        private string DirOf(Guid id)
        {
            if (_dirs.TryGetValue(id, out var dir)) return dir;
            var f = _folders[id];
            var parent = f.ParentId is { } p && _folders.ContainsKey(p) ? DirOf(p) : f.Space == "shared" ? SharedRoot : PersonalRoot;
            return _dirs[id] = FileNames.UniqueIn(_taken, parent, f.Name);
        }

        public string PathOf(AssetRow a) =>
            FileNames.UniqueIn(_taken, a.FolderId is { } f && _folders.ContainsKey(f) ? DirOf(f) : PersonalRoot, a.OriginalFileName);

        /// <summary>The folder as the library names it (<c>Trips/2024</c>); empty at the top of the Personal Space.</summary>
        public string LibraryPath(Guid? id)
        {
            var names = new List<string>();
            for (var f = id; f is { } current && _folders.TryGetValue(current, out var row); f = row.ParentId) names.Add(row.Name);
            names.Reverse();
            return string.Join('/', names);
        }
    }

    // Rows as Dapper reads them (properties: array columns come as arrays that match no constructor parameter).
    private sealed class OwnerRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Email { get; init; } = "";
        public DateTime PreparedAt { get; init; }
    }

    private sealed class AssetRow
    {
        public Guid Id { get; init; }
        public Guid? FolderId { get; init; }
        public string OriginalFileName { get; init; } = "";
        public DateTime TakenAt { get; init; }
        public string MediaType { get; init; } = "";
        public string ContentType { get; init; } = "";
        public long SizeBytes { get; init; }
        public byte[] Checksum { get; init; } = [];
        public short Rating { get; init; }
        public string[] Tags { get; init; } = [];
        public string Description { get; init; } = "";
        public string? CameraMake { get; init; }
        public string? CameraModel { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public int? Width { get; init; }
        public int? Height { get; init; }
        public double? DurationSeconds { get; init; }
    }

    private sealed class FolderRow
    {
        public Guid Id { get; init; }
        public Guid? ParentId { get; init; }
        public string Space { get; init; } = "";
        public string Name { get; init; } = "";
    }

    private sealed class AlbumRow
    {
        public Guid Id { get; init; }
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string Description { get; init; } = "";
        public string SortOrder { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public Guid[]? CondFolderIds { get; init; }
        public DateTime? CondFrom { get; init; }
        public DateTime? CondTo { get; init; }
        public string[]? CondTags { get; init; }
        public short? CondMinRating { get; init; }
        public string? CondMediaType { get; init; }
        public string? CondCamera { get; init; }
    }

    private sealed class EntryRow
    {
        public Guid AlbumId { get; init; }
        public Guid AssetId { get; init; }
        public DateTime AddedAt { get; init; }
        public bool Exported { get; init; }
    }

    private sealed class ShareRow
    {
        public Guid Id { get; init; }
        public string TargetType { get; init; } = "";
        public Guid? AlbumId { get; init; }
        public string? AlbumName { get; init; }
        public Guid? FolderId { get; init; }
        public bool ApplyToSubfolders { get; init; }
        public bool LinkEnabled { get; init; }
        public string Privacy { get; init; } = "";
        public bool PasswordProtected { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public bool AllowDownload { get; init; }
        public bool AllowUpload { get; init; }
        public bool ShowMetadata { get; init; }
        public string Description { get; init; } = "";
        public long ViewCount { get; init; }
        public long DownloadCount { get; init; }
        public DateTime? LastAccessedAt { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    private sealed class InviteeRow
    {
        public Guid ShareId { get; init; }
        public string Type { get; init; } = "";
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }
}

// library.json, as written (camelCase).
internal sealed record LibraryDocument(string Format, int Version, Guid ExportId, DateTime PreparedAt, string Note, ExportedUser User,
    List<ExportedAsset> Assets, List<ExportedAlbum> Albums, List<ExportedShare> Shares);

internal sealed record ExportedUser(Guid Id, string Username, string DisplayName, string Email);

internal sealed record ExportedAsset(Guid Id, string FileName, string Path, string FolderPath, string Space, DateTime TakenAt, string MediaType,
    string ContentType, long SizeBytes, string Checksum, short Rating, string[] Tags, string Description, Camera? Camera, Place? Place,
    int? Width, int? Height, double? DurationSeconds);

internal sealed record Camera(string? Make, string? Model);

internal sealed record Place(double Latitude, double Longitude);

internal sealed record ExportedAlbum(Guid Id, string Name, string Kind, string Description, string SortOrder, DateTime CreatedAt,
    List<ExportedEntry> Entries, int EntriesNotExported, Conditions? Conditions);

internal sealed record ExportedEntry(Guid AssetId, string? Path, DateTime AddedAt);

internal sealed record Conditions(Guid[]? FolderIds, DateTime? From, DateTime? To, string[]? Tags, short? MinRating, string? MediaType, string? Camera);

internal sealed record ExportedShare(Guid Id, DateTime CreatedAt, ShareTarget Target, List<ExportedInvitee> Invitees, ShareLinkSettings Link);

internal sealed record ShareTarget(string Type, Guid? AlbumId, string? AlbumName, Guid? FolderId, string? FolderPath, bool ApplyToSubfolders);

internal sealed record ExportedInvitee(string Type, Guid Id, string Name, string DisplayName, string Role, DateTime SharedAt);

internal sealed record ShareLinkSettings(bool Enabled, string Privacy, bool PasswordProtected, DateTime? ExpiresAt, bool AllowDownload,
    bool AllowUpload, bool ShowMetadata, string Description, long ViewCount, long DownloadCount, DateTime? LastAccessedAt);
