using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

public sealed class GetBackupStatusRequest
{
    public string DeviceId { get; set; } = "";
}

public sealed class GetBackupStatusValidator : Validator<GetBackupStatusRequest>
{
    public GetBackupStatusValidator() => RuleFor(x => x.DeviceId).NotEmpty().MaximumLength(200);
}

public sealed record BackupFailure(DateTime At, string Reason);

/// <summary>One device's backup as the caller's library sees it.</summary>
public sealed record BackupStatusResponse(
    string DeviceId, DateTime? LastBackupAt, int AssetCount, int ReadyCount, int PendingCount, int FailedCount,
    int DuplicatesSkipped, int UploadFailures, BackupFailure? LastFailure);

/// <summary>
/// Backup status per device (seed 003): when it last backed up, how many of its files the library holds and in which
/// state, duplicates it skipped, and uploads or processing that failed, with the latest reason.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class GetBackupStatusEndpoint(NpgsqlDataSource db) : Endpoint<GetBackupStatusRequest, BackupStatusResponse>
{
    private const string StatusSql = """
        SELECT d.last_backup_at, coalesce(d.duplicates, 0) AS duplicates, coalesce(d.upload_failures, 0) AS upload_failures,
               d.last_failure_at, d.last_failure_reason,
               count(a.id)::int AS asset_count,
               count(a.id) FILTER (WHERE a.status = 'ready')::int AS ready_count,
               count(a.id) FILTER (WHERE a.status IN ('pending', 'processing'))::int AS pending_count,
               count(a.id) FILTER (WHERE a.status = 'failed')::int AS failed_count,
               max(a.updated_at) FILTER (WHERE a.status = 'failed') AS last_processing_failure_at,
               (array_agg(a.failure_reason ORDER BY a.updated_at DESC) FILTER (WHERE a.status = 'failed'))[1] AS last_processing_failure
        FROM (SELECT @userId AS user_id, @deviceId AS device_id) k
        LEFT JOIN device_backups d ON d.user_id = k.user_id AND d.device_id = k.device_id
        LEFT JOIN assets a ON a.owner_id = k.user_id AND a.device_id = k.device_id AND a.trashed_at IS NULL
        GROUP BY d.last_backup_at, d.duplicates, d.upload_failures, d.last_failure_at, d.last_failure_reason
        """;

    private sealed class Row
    {
        public DateTime? LastBackupAt { get; init; }
        public int Duplicates { get; init; }
        public int UploadFailures { get; init; }
        public DateTime? LastFailureAt { get; init; }
        public string? LastFailureReason { get; init; }
        public int AssetCount { get; init; }
        public int ReadyCount { get; init; }
        public int PendingCount { get; init; }
        public int FailedCount { get; init; }
        public DateTime? LastProcessingFailureAt { get; init; }
        public string? LastProcessingFailure { get; init; }
    }

    public override void Configure()
    {
        Get("devices/{deviceId}/backup-status");
        Description(d => d.WithName("getBackupStatus"));
    }

    public override async Task HandleAsync(GetBackupStatusRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var r = await conn.QuerySingleAsync<Row>(new CommandDefinition(StatusSql, new { userId = User.UserId(), deviceId = req.DeviceId }, cancellationToken: ct));
        var failures = new[]
        {
            r.LastFailureAt is { } u ? new BackupFailure(u, r.LastFailureReason ?? "upload.failed") : null,
            r.LastProcessingFailureAt is { } p ? new BackupFailure(p, r.LastProcessingFailure ?? "processing failed") : null,
        };
        await Send.OkAsync(new BackupStatusResponse(req.DeviceId, r.LastBackupAt, r.AssetCount, r.ReadyCount, r.PendingCount, r.FailedCount,
            r.Duplicates, r.UploadFailures, failures.Where(f => f is not null).MaxBy(f => f!.At)), ct);
    }
}
