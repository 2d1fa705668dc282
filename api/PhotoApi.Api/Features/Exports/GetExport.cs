using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Exports;

public sealed class GetExportRequest
{
    public Guid Id { get; set; }
}

/// <summary>
/// The caller's export: its status, and once ready a <c>downloadUrl</c> — an archive link (<see cref="ArchiveLinks"/>, made
/// with the caller's session or API key, valid <c>Downloads:LinkLifetime</c>) that a browser follows as a plain link to
/// save the zip. Another user's export answers 404, like an unknown id.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class GetExportEndpoint(NpgsqlDataSource db, ArchiveLinks links) : Endpoint<GetExportRequest, ExportResponse>
{
    public override void Configure()
    {
        Get("users/me/exports/{id}");
        Description(d => d.WithName("getExport"));
    }

    public override async Task HandleAsync(GetExportRequest req, CancellationToken ct)
    {
        ExportRow? export;
        await using (var conn = await db.OpenConnectionAsync(ct))
            export = await ExportQueries.GetAsync(conn, req.Id, User.UserId(), ct);
        if (export is null) throw ApiException.NotFound("The export");
        await Send.OkAsync(await ExportQueries.ResponseAsync(export, User, links, ct), ct);
    }
}
