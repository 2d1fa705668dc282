using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Albums;

public sealed class UpdateAlbumRequest
{
    public Guid Id { get; set; }
    /// <summary>Absent or null: unchanged (as for every field here).</summary>
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? SortOrder { get; set; }
    /// <summary>An asset the album shows.</summary>
    public Guid? CoverAssetId { get; set; }
    /// <summary><c>true</c> removes the cover (cannot be combined with <c>coverAssetId</c>).</summary>
    public bool? ClearCover { get; set; }
    /// <summary>Replaces the saved filter (conditional albums only).</summary>
    public AlbumConditions? Conditions { get; set; }
}

public sealed class UpdateAlbumValidator : Validator<UpdateAlbumRequest>
{
    public UpdateAlbumValidator()
    {
        RuleFor(x => x.Name).AlbumName().When(x => x.Name is not null);
        RuleFor(x => x.Description).MaximumLength(2000);
        RuleFor(x => x.SortOrder).SortOrder().When(x => x.SortOrder is not null);
        RuleFor(x => x.ClearCover).Must(c => c != true).When(x => x.CoverAssetId is not null)
            .WithMessage("Either set coverAssetId or clear the cover, not both.");
        RuleFor(x => x.Conditions!).SetValidator(new AlbumConditionsValidator()).When(x => x.Conditions is not null);
    }
}

/// <summary>Changes an album's name, description, sort order, cover or conditions: its owner only.</summary>
[Access(Permission.AlbumEdit, Permission.AlbumView, Permission.FolderView, On = "id", What = "The album", SeenWith = Permission.AlbumView)]
public sealed class UpdateAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy, Assets.MediaSigner signer) : Endpoint<UpdateAlbumRequest, AlbumResponse>
{
    private const string UpdateSql = """
        UPDATE albums SET
            name = coalesce(@name, name),
            description = coalesce(@description, description),
            sort_order = coalesce(@sortOrder, sort_order),
            cover_asset_id = CASE WHEN @clearCover THEN NULL ELSE coalesce(@coverAssetId, cover_asset_id) END,
            cond_folder_ids = CASE WHEN @setConditions THEN @condFolderIds ELSE cond_folder_ids END,
            cond_from = CASE WHEN @setConditions THEN @condFrom ELSE cond_from END,
            cond_to = CASE WHEN @setConditions THEN @condTo ELSE cond_to END,
            cond_tags = CASE WHEN @setConditions THEN @condTags ELSE cond_tags END,
            cond_min_rating = CASE WHEN @setConditions THEN @condMinRating ELSE cond_min_rating END,
            cond_media_type = CASE WHEN @setConditions THEN @condMediaType ELSE cond_media_type END,
            cond_camera = CASE WHEN @setConditions THEN @condCamera ELSE cond_camera END,
            updated_at = now()
        WHERE id = @id
        """;

    // The id is pushed into each branch of the members: a few key lookups, not a listing of the whole album.
    private static readonly string ShowsSql = $"SELECT EXISTS (SELECT 1 FROM ({AccessPolicy.AlbumMembers("@id")}) m WHERE m.asset_id = @assetId)";

    public override void Configure()
    {
        Patch("albums/{id}");
        Description(d => d.WithName("updateAlbum"));
    }

    public override async Task HandleAsync(UpdateAlbumRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        if (req.Conditions is not null)
        {
            if (await AlbumStore.KindAsync(conn, req.Id, ct) != AlbumKinds.Conditional)
                throw ApiException.Validation("conditions", "Only conditional albums have conditions.");
            await AlbumStore.EnsureConditionFoldersAsync(policy, principal, req.Conditions, ct);
        }
        if (req.CoverAssetId is { } cover &&
            !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ShowsSql, new { id = req.Id, assetId = cover }, cancellationToken: ct)))
            throw ApiException.Validation("coverAssetId", "The cover must be an asset the album shows.");

        await using var tx = await conn.BeginTransactionAsync(ct);
        var args = new DynamicParameters(AlbumStore.ConditionParameters(req.Conditions));
        args.AddDynamicParams(new
        {
            id = req.Id, name = req.Name?.Trim(), description = req.Description?.Trim(), sortOrder = req.SortOrder,
            coverAssetId = req.CoverAssetId, clearCover = req.ClearCover == true, setConditions = req.Conditions is not null,
        });
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, args, tx, cancellationToken: ct));
        var album = await AlbumStore.GetAsync(conn, signer, principal.UserId, req.Id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(album, ct);
    }
}
