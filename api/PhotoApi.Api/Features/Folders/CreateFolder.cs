using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

public sealed class CreateFolderRequest
{
    /// <summary>Trimmed; 1–255 characters, no '/' or '\', not '.' or '..', no control characters. Unique among its siblings, case-insensitively.</summary>
    public string Name { get; set; } = "";
    /// <summary>The parent folder; absent or null for the top level of <see cref="Space"/>.</summary>
    public Guid? ParentId { get; set; }
    /// <summary><c>personal</c> or <c>shared</c>. Without a parent it picks the space (default personal); with one it must match the parent's.</summary>
    public string? Space { get; set; }
}

public sealed class CreateFolderValidator : Validator<CreateFolderRequest>
{
    public CreateFolderValidator()
    {
        RuleFor(x => x.Name).FolderName();
        RuleFor(x => x.Space).Must(s => s.IsOneOf(Spaces.Personal, Spaces.Shared)).When(x => x.Space is not null)
            .WithMessage("One of: personal, shared.");
    }
}

/// <summary>
/// Creates a folder inside a parent (FolderCreate on it; the folder joins the parent's space and owner) or at the top level
/// of a space the caller may use (a personal folder belongs to the caller; a shared one to nobody).
/// </summary>
[Access(Permission.FolderCreate, Permission.FolderView, Permission.AssetView)]
public sealed class CreateFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<CreateFolderRequest, FolderResponse>
{
    private const string InsertSql = """
        INSERT INTO folders (id, space, owner_id, parent_id, name, created_by)
        VALUES (@id, @space, @ownerId, @parentId, @name, @createdBy)
        """;

    public override void Configure()
    {
        Post("folders");
        Description(d => d.WithName("createFolder").ClearDefaultProduces(200).Produces<FolderResponse>(201));
    }

    public override async Task HandleAsync(CreateFolderRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);

        string space;
        Guid? ownerId;
        if (req.ParentId is { } parentId)
        {
            await policy.EnsureAsync(principal, Permission.FolderCreate, parentId, ct, "The parent folder");
            var parent = await FolderStore.FindAsync(conn, parentId, ct) ?? throw ApiException.NotFound("The parent folder");
            if (req.Space is not null && req.Space != parent.Space)
                throw ApiException.Validation("space", $"The parent folder is in the {parent.Space} space.");
            (space, ownerId) = (parent.Space, parent.OwnerId);
        }
        else
        {
            space = req.Space ?? Spaces.Personal;
            if (!await policy.CanUseSpaceAsync(principal, space, ct)) throw FolderStore.SpaceUnavailable(space);
            ownerId = space == Spaces.Personal ? principal.UserId : null;
        }

        var id = Guid.CreateVersion7();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await FolderStore.LockTreeAsync(conn, tx, space, ownerId, ct);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql,
                new { id, space, ownerId, parentId = req.ParentId, name = req.Name.Trim(), createdBy = principal.UserId }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (FolderStore.ErrorFrom(e) is { } error)
        {
            throw error;
        }
        var folder = await FolderStore.GetAsync(conn, policy, principal, id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(folder, 201, ct);
    }
}
