using System.Net.Http.Json;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>Album, share and partner calls as a client app makes them.</summary>
public static class Sharing
{
    /// <summary>Uploads a small JPEG no other upload of this user has (random bytes after the image's end keep it decodable).</summary>
    public static async Task<Guid> UploadUniqueAsync(this Session session, string fixture = "grey.jpg", Guid? folderId = null)
    {
        var bytes = (await File.ReadAllBytesAsync(Library.Fixture(fixture))).Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var fields = folderId is null ? null : new Dictionary<string, string> { ["folderId"] = folderId.Value.ToString() };
        return (await session.UploadBytesAsync(bytes, $"{Guid.NewGuid():N}.jpg", fields)).Id;
    }

    public static async Task<Album> CreateAlbumAsync(this Session session, string name = "Holidays", params Guid[] assetIds) =>
        await session.Client.PostAsJsonAsync("/api/v1/albums", new { name, assetIds }).Json<Album>(201);

    public static async Task<Share> ShareAlbumAsync(this Session owner, Guid albumId, params (Session Who, string Role)[] invitees) =>
        await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = albumId },
            invitees = invitees.Select(i => new { principalType = "user", principalId = i.Who.UserId, role = i.Role }).ToArray(),
        }).Json<Share>(201);

    public static async Task<Share> ShareSelectionAsync(this Session owner, Guid[] assetIds, params (Session Who, string Role)[] invitees) =>
        await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "selection", assetIds },
            invitees = invitees.Select(i => new { principalType = "user", principalId = i.Who.UserId, role = i.Role }).ToArray(),
        }).Json<Share>(201);

    /// <summary>A new album with a public link that takes uploads (a drop box for guests).</summary>
    public static async Task<(Album Album, Share Share)> CreateDropBoxAsync(this Session owner)
    {
        var album = await owner.CreateAlbumAsync("Drop box");
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares",
            new { target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", allowUpload = true }).Json<Share>(201);
        return (album, share);
    }

    public static async Task<List<Guid>> AlbumAssetIdsAsync(this Session session, Guid albumId) =>
        (await session.Client.GetAsync($"/api/v1/albums/{albumId}/assets").Json<Page<AlbumEntry>>()).Items.Select(e => e.Asset.Id).ToList();

    public static HttpRequestMessage DeleteWithBody(string url, object body) =>
        new(HttpMethod.Delete, url) { Content = JsonContent.Create(body) };
}

public sealed record Page<T>(List<T> Items, string? NextCursor);

public sealed record AlbumOwner(Guid Id, string Username, string DisplayName);

public sealed record AlbumConditions(Guid[]? FolderIds, DateTime? From, DateTime? To, string[]? Tags, int? MinRating, string? MediaType, string? Camera);

public sealed record Album(Guid Id, string Kind, string Name, string Description, AlbumOwner Owner, string Role, Guid? CoverAssetId,
    string? CoverThumbnailUrl, string SortOrder, AlbumConditions? Conditions, int AssetCount, Guid? ShareId, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record AlbumEntry(Asset Asset, Guid? AddedBy, DateTime? AddedAt);

public sealed record ShareTarget(string Type, Guid AlbumId, string Name);

public sealed record Invitee(string PrincipalType, Guid PrincipalId, string Name, string DisplayName, string Role, DateTime SharedAt);

public sealed record Share(Guid Id, Guid OwnerId, ShareTarget Target, bool LinkEnabled, string Key, string Url, string Privacy,
    bool PasswordProtected, DateTime? ExpiresAt, bool AllowDownload, bool AllowUpload, bool ShowMetadata, string Description,
    List<Invitee> Invitees, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record Partner(Guid UserId, string Username, string DisplayName, string Direction, bool InTimeline, DateTime CreatedAt);

public sealed record SharedWithMeItem(string Kind, Guid? ShareId, Guid? AlbumId, string Name, AlbumOwner Owner, string Role,
    DateTime SharedAt, int AssetCount, Guid? CoverAssetId, string? CoverThumbnailUrl);

public sealed record SharedWithMeGroup(DateOnly Date, List<SharedWithMeItem> Items);

public sealed record SharedWithMePage(List<SharedWithMeGroup> Groups, string? NextCursor);

public sealed record SharedWithOthersItem(string Kind, Guid? ShareId, Guid? AlbumId, Guid? PartnerId, string Name, bool LinkEnabled,
    string? Privacy, bool PasswordProtected, DateTime? ExpiresAt, string? Url, long? ViewCount, long? DownloadCount, DateTime? LastAccessedAt,
    int InviteeCount, List<Invitee>? Invitees, int AssetCount, DateTime UpdatedAt);
