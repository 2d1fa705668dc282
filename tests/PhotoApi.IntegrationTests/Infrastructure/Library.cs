using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>Upload and wait helpers over the HTTP API (what a client app does).</summary>
public static class Library
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "images", name);

    public static MultipartFormDataContent Form(byte[] bytes, string fileName, IDictionary<string, string>? fields = null, string? contentType = null)
    {
        var form = new MultipartFormDataContent();
        // Fields first, as the API documents: they are checked before the file is stored.
        foreach (var (name, value) in fields ?? new Dictionary<string, string>()) form.Add(new StringContent(value), name);
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        form.Add(file, "file", fileName);
        return form;
    }

    public static async Task<Uploaded> UploadAsync(this Session session, string fixture, IDictionary<string, string>? fields = null, string? fileName = null) =>
        await session.UploadBytesAsync(await File.ReadAllBytesAsync(Fixture(fixture)), fileName ?? fixture, fields);

    public static async Task<Uploaded> UploadBytesAsync(this Session session, byte[] bytes, string fileName, IDictionary<string, string>? fields = null, int expect = 201)
    {
        var response = await session.Client.PostAsync("/api/v1/assets", Form(bytes, fileName, fields));
        return await response.Json<Uploaded>(expect);
    }

    /// <summary>Polls getAsset until the worker has finished with the asset (ready or failed).</summary>
    public static async Task<Asset> WaitProcessedAsync(this Session session, Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var asset = await session.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>();
            if (asset.Status is "ready" or "failed") return asset;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Asset {id} still {asset.Status} after 60 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(200);
        }
    }
}

public static class Diagnostics
{
    public static string? ConnectionString { get; set; }

    /// <summary>What the job queue looks like, for a failure message.</summary>
    public static async Task<string> HangfireAsync()
    {
        if (ConnectionString is null) return "";
        await using var conn = new Npgsql.NpgsqlConnection(ConnectionString);
        var servers = await Dapper.SqlMapper.QueryAsync<string>(conn, "SELECT id || ' ' || lastheartbeat::text || ' ' || left(data::text, 200) FROM hangfire.server");
        var queue = await Dapper.SqlMapper.QueryAsync<string>(conn, "SELECT queue || ' fetched=' || coalesce(fetchedat::text, '-') || ' job=' || jobid FROM hangfire.jobqueue ORDER BY id DESC LIMIT 10");
        var jobs = await Dapper.SqlMapper.QueryAsync<string>(conn, "SELECT id || ' ' || coalesce(statename, '-') || ' ' || left(invocationdata::text, 160) FROM hangfire.job ORDER BY id DESC LIMIT 10");
        return $"servers: [{string.Join(" | ", servers)}] queue: [{string.Join(" | ", queue)}] jobs: [{string.Join(" | ", jobs)}]";
    }
}

public sealed record Uploaded(Guid Id, bool Duplicate, string Status);

public sealed record AssetUrls(string? Thumbnail, string? Preview, string? Original);

public sealed record Asset(
    Guid Id, Guid OwnerId, Guid? FolderId, string OriginalFileName, string MediaType, string ContentType, long SizeBytes, string Checksum,
    DateTime TakenAt, int? Width, int? Height, int? Orientation, string? CameraMake, string? CameraModel, double? Latitude, double? Longitude,
    int Rating, List<string> Tags, string Description, string Status, string? FailureReason, string? DeviceId, string? DeviceAssetId,
    DateTime? TrashedAt, DateTime CreatedAt, DateTime UpdatedAt, AssetUrls Urls);
