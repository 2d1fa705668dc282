using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Albums;

public sealed class CreateAlbumRequest
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    /// <summary><c>manual</c> (default) or <c>conditional</c>.</summary>
    public string? Kind { get; set; }
    /// <summary><c>newest</c> (default) or <c>oldest</c> first.</summary>
    public string? SortOrder { get; set; }
    /// <summary>Required for, and only for, a conditional album.</summary>
    public AlbumConditions? Conditions { get; set; }
    /// <summary>First entries of a manual album (the caller's own assets).</summary>
    public Guid[]? AssetIds { get; set; }
}

public sealed class CreateAlbumValidator : Validator<CreateAlbumRequest>
{
    public CreateAlbumValidator()
    {
        RuleFor(x => x.Name).AlbumName();
        RuleFor(x => x.Description).MaximumLength(2000);
        RuleFor(x => x.Kind).Must(k => k.IsOneOf(AlbumKinds.Manual, AlbumKinds.Conditional)).When(x => x.Kind is not null)
            .WithMessage("One of: manual, conditional.");
        RuleFor(x => x.SortOrder).SortOrder().When(x => x.SortOrder is not null);
        RuleFor(x => x.Conditions).NotNull().When(x => x.Kind == AlbumKinds.Conditional).WithMessage("A conditional album needs conditions.");
        RuleFor(x => x.Conditions).Null().When(x => x.Kind != AlbumKinds.Conditional).WithMessage("Only conditional albums have conditions.");
        RuleFor(x => x.Conditions!).SetValidator(new AlbumConditionsValidator()).When(x => x.Conditions is not null);
        RuleFor(x => x.AssetIds).Null().When(x => x.Kind == AlbumKinds.Conditional).WithMessage("Conditional albums are filled by their conditions.");
        RuleFor(x => x.AssetIds).Must(a => a!.Length <= 10_000).When(x => x.AssetIds is not null).WithMessage("At most 10,000 assets at once.");
    }
}

/// <summary>Creates a manual album (optionally with first entries, each remembered as added by the caller) or a conditional one.</summary>
[Access(Permission.AssetShare, Permission.FolderView)]
public sealed class CreateAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<CreateAlbumRequest, AlbumResponse>
{
    private const string InsertSql = """
        INSERT INTO albums (id, owner_id, kind, name, description, sort_order,
                            cond_folder_ids, cond_from, cond_to, cond_tags, cond_min_rating, cond_media_type, cond_camera)
        VALUES (@id, @ownerId, @kind, @name, @description, @sortOrder,
                @condFolderIds, @condFrom, @condTo, @condTags, @condMinRating, @condMediaType, @condCamera)
        """;

    public override void Configure()
    {
        Post("albums");
        Description(d => d.WithName("createAlbum").ClearDefaultProduces(200).Produces<AlbumResponse>(201));
    }

    public override async Task HandleAsync(CreateAlbumRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await AlbumStore.EnsureConditionFoldersAsync(policy, principal, req.Conditions, ct);
        if (req.AssetIds is { Length: > 0 } assetIds) await policy.EnsureAsync(principal, Permission.AssetShare, assetIds, ct, "An asset");

        var id = Guid.CreateVersion7();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var args = new DynamicParameters(AlbumStore.ConditionParameters(req.Conditions));
        args.AddDynamicParams(new
        {
            id, ownerId = principal.UserId, kind = req.Kind ?? AlbumKinds.Manual, name = req.Name!.Trim(),
            description = req.Description?.Trim() ?? "", sortOrder = req.SortOrder ?? "newest",
        });
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, args, tx, cancellationToken: ct));
        if (req.AssetIds is { Length: > 0 } ids) await AlbumStore.AddEntriesAsync(conn, tx, id, ids, principal.UserId, ct);
        var album = await AlbumStore.GetAsync(conn, principal.UserId, id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(album, 201, ct);
    }
}

public sealed class ListAlbumsRequest : IPagedRequest
{
    /// <summary><c>owned</c>, <c>shared</c> (shared with the caller) or <c>all</c> (default).</summary>
    [QueryParam] public string? Scope { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListAlbumsValidator : Validator<ListAlbumsRequest>
{
    public ListAlbumsValidator()
    {
        RuleFor(x => x.Scope).Must(s => s.IsOneOf("owned", "shared", "all")).When(x => x.Scope is not null).WithMessage("One of: owned, shared, all.");
        this.AddPagingRules();
    }
}

/// <summary>The albums the caller owns and those shared with them (directly or through a group), oldest first.</summary>
[Access(AccessScope.Caller)]
public sealed class ListAlbumsEndpoint(NpgsqlDataSource db) : Endpoint<ListAlbumsRequest, Page<AlbumResponse>>
{
    private static readonly string ListSql = $"""
        SELECT {AlbumStore.Columns} FROM albums al JOIN users u ON u.id = al.owner_id
        WHERE al.kind <> 'selection' AND al.id > @after AND {AccessPolicy.AlbumVisible("al")}
          AND (@scope <> 'owned' OR al.owner_id = @userId)
          AND (@scope <> 'shared' OR al.owner_id <> @userId)
        ORDER BY al.id LIMIT @take
        """;

    public override void Configure()
    {
        Get("albums");
        Description(d => d.WithName("listAlbums"));
    }

    public override async Task HandleAsync(ListAlbumsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<AlbumStore.Row>(new CommandDefinition(ListSql, new
        {
            userId = Principal.Of(User).UserId, scope = req.Scope ?? "all", after = req.After(), take = req.Limit() + 1,
        }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.Select(r => r.ToResponse()).ToList().ToPage(req.Limit(), a => a.Id), ct);
    }
}

[Access(Permission.AlbumView)]
public sealed class GetAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<IdRequest, AlbumResponse>
{
    public override void Configure()
    {
        Get("albums/{id}");
        Description(d => d.WithName("getAlbum"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.AlbumView, req.Id, ct, "The album");
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await AlbumStore.GetAsync(conn, principal.UserId, req.Id, ct), ct);
    }
}

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
[Access(Permission.AlbumEdit, Permission.AlbumView, Permission.FolderView)]
public sealed class UpdateAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<UpdateAlbumRequest, AlbumResponse>
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

    private static readonly string ShowsSql = $"SELECT @assetId IN ({AccessPolicy.AlbumMembers("@id")})";

    public override void Configure()
    {
        Patch("albums/{id}");
        Description(d => d.WithName("updateAlbum"));
    }

    public override async Task HandleAsync(UpdateAlbumRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await policy.EnsureRoleAsync(principal, Permission.AlbumEdit, req.Id, Permission.AlbumView, "The album", ct);
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
        var album = await AlbumStore.GetAsync(conn, principal.UserId, req.Id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(album, ct);
    }
}

/// <summary>Deletes an album and its share (its owner only). The assets stay where they are.</summary>
[Access(Permission.AlbumDelete, Permission.AlbumView)]
public sealed class DeleteAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<IdRequest>
{
    public override void Configure()
    {
        Delete("albums/{id}");
        Description(d => d.WithName("deleteAlbum").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await policy.EnsureRoleAsync(Principal.Of(User), Permission.AlbumDelete, req.Id, Permission.AlbumView, "The album", ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM albums WHERE id = @id", new { id = req.Id }, cancellationToken: ct));
        await Send.NoContentAsync(ct);
    }
}
