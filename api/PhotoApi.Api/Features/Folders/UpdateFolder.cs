using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

public sealed class UpdateFolderRequest
{
    public Guid Id { get; set; }
    /// <summary>The new name (trimmed; same rules as on creation). Absent or null: unchanged. Needs FolderRename.</summary>
    public string? Name { get; set; }
    /// <summary>Makes this asset the cover (AssetView on it, not in the trash). Absent or null: unchanged. Needs FolderCover.</summary>
    public Guid? CoverAssetId { get; set; }
    /// <summary><c>true</c> removes the cover (cannot be combined with <c>coverAssetId</c>). Needs FolderCover.</summary>
    public bool? ClearCover { get; set; }
}

public sealed class UpdateFolderValidator : Validator<UpdateFolderRequest>
{
    public UpdateFolderValidator()
    {
        RuleFor(x => x.Name).FolderName().When(x => x.Name is not null);
        RuleFor(x => x.ClearCover).Must(c => c != true).When(x => x.CoverAssetId is not null)
            .WithMessage("Either set coverAssetId or clear the cover, not both.");
    }
}

/// <summary>
/// Renames a folder (FolderRename) and/or sets or clears its cover (FolderCover). Null means "leave as is", so removing the
/// cover is an explicit <c>clearCover: true</c> rather than a <c>null</c> that clients cannot tell from an absent field.
/// </summary>
[Access(Permission.AssetView, Permission.FolderCover, Permission.FolderRename, Permission.FolderView)]
public sealed class UpdateFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<UpdateFolderRequest, FolderResponse>
{
    private const string UpdateSql = """
        UPDATE folders SET
            name = coalesce(@name, name),
            cover_asset_id = CASE WHEN @clearCover THEN NULL ELSE coalesce(@coverAssetId, cover_asset_id) END,
            updated_at = now()
        WHERE id = @id
        """;

    private const string AssetTrashedSql = "SELECT trashed_at IS NOT NULL FROM assets WHERE id = @id";

    public override void Configure()
    {
        Patch("folders/{id}");
        Description(d => d.WithName("updateFolder"));
    }

    public override async Task HandleAsync(UpdateFolderRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var clearCover = req.ClearCover == true;
        var changesCover = clearCover || req.CoverAssetId is not null;
        if (req.Name is not null) await policy.EnsureAsync(principal, Permission.FolderRename, req.Id, ct, "The folder");
        if (changesCover) await policy.EnsureAsync(principal, Permission.FolderCover, req.Id, ct, "The folder");

        await using var conn = await db.OpenConnectionAsync(ct);
        if (req.Name is null && !changesCover)
        {
            // Nothing to change: answer the folder as it is, to whoever may see it.
            await policy.EnsureAsync(principal, Permission.FolderView, req.Id, ct, "The folder");
            await Send.OkAsync(await FolderStore.GetAsync(conn, policy, principal, req.Id, ct), ct);
            return;
        }
        if (req.CoverAssetId is { } assetId)
        {
            await policy.EnsureAsync(principal, Permission.AssetView, assetId, ct, "The asset");
            if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(AssetTrashedSql, new { id = assetId }, cancellationToken: ct)))
                throw ApiException.Validation("coverAssetId", "The asset is in the trash.");
        }

        await using var tx = await conn.BeginTransactionAsync(ct);
        int updated;
        try
        {
            updated = await conn.ExecuteAsync(new CommandDefinition(UpdateSql,
                new { id = req.Id, name = req.Name?.Trim(), coverAssetId = req.CoverAssetId, clearCover }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (FolderStore.ErrorFrom(e) is { } error)
        {
            throw error;
        }
        if (updated == 0) throw ApiException.NotFound("The folder");
        var folder = await FolderStore.GetAsync(conn, policy, principal, req.Id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(folder, ct);
    }
}
