using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Persistence.Writes;

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
public sealed class CreateAlbumEndpoint(NpgsqlDataSource db, AccessPolicy policy, Assets.MediaSigner signer) : Endpoint<CreateAlbumRequest, AlbumResponse>
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
        var principal = HttpContext.Principal();
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
        if (req.AssetIds is { Length: > 0 } ids) await AlbumEntries.AddAsync(conn, tx, id, ids, principal.UserId, ct);
        var album = await AlbumStore.GetAsync(conn, signer, principal.UserId, id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(album, 201, ct);
    }
}
