using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicRequests;

public sealed class PhotoRequestUploadStatusRequest
{
    public string Key { get; set; } = "";
    public Guid UploadId { get; set; }
}

/// <summary>The status of one file a guest sent, for them to poll. Works while the request exists, even once it is closed.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest)]
public sealed class GetPhotoRequestUploadStatusEndpoint(NpgsqlDataSource db) : Endpoint<PhotoRequestUploadStatusRequest, PhotoRequestUploadStatus>
{
    private const string StatusSql = """
        SELECT id, file_name, size_bytes, status, failure_reason FROM photo_request_uploads WHERE id = @uploadId AND request_id = @requestId
        """;

    public override void Configure()
    {
        Get("r/{key}/uploads/{uploadId}");
        AllowAnonymous();
        Description(d => d.WithName("getPhotoRequestUploadStatus"));
    }

    public override async Task HandleAsync(PhotoRequestUploadStatusRequest req, CancellationToken ct)
    {
        var link = HttpContext.RequestGuest();
        await using var conn = await db.OpenConnectionAsync(ct);
        var status = await conn.QuerySingleOrDefaultAsync<PhotoRequestUploadStatus>(new CommandDefinition(StatusSql,
            new { uploadId = req.UploadId, requestId = link.Id }, cancellationToken: ct)) ?? throw ApiException.NotFound("The upload");
        await Send.OkAsync(status, ct);
    }
}
