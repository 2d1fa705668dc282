using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

public sealed class ListFoldersRequest : IPagedRequest
{
    /// <summary><c>personal</c> (default) or <c>shared</c>: whose top level to list when <c>parentId</c> is absent.</summary>
    [QueryParam] public string? Space { get; set; }
    /// <summary>List the subfolders of this folder instead of a top level.</summary>
    [QueryParam] public Guid? ParentId { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListFoldersValidator : Validator<ListFoldersRequest>
{
    public ListFoldersValidator()
    {
        RuleFor(x => x.Space).Must(s => s.IsOneOf(Spaces.Personal, Spaces.Shared)).When(x => x.Space is not null)
            .WithMessage("One of: personal, shared.");
        this.AddPagingRules(FolderCursor.MaxLength);
    }
}

/// <summary>
/// The subfolders of a folder (FolderView on it), or the top level of a space: the caller's own Personal Space, or the
/// Shared Space when the caller may use it. Ordered by name (case-insensitively), keyset-paginated; folders the caller
/// may not view are left out inside the page query, so a page holds <c>limit</c> items unless it is the last.
/// </summary>
[Access(Permission.FolderView, Permission.AssetView)]
public sealed class ListFoldersEndpoint(NpgsqlDataSource db, AccessPolicy policy, ListQueries lists) : Endpoint<ListFoldersRequest, Page<FolderResponse>>
{
    // The predicates mirror folders_sibling_name_key (a missing owner or parent is the zero id there), so the index serves
    // both the filter and the order; the first page starts after ('', zero id), before every name.
    private static readonly string ListSql = FolderStore.WithCounts($"""
        SELECT {FolderStore.Columns}, {FolderStore.HeldColumns}
        FROM folders f
        WHERE f.space = @space
          AND coalesce(f.owner_id, '00000000-0000-0000-0000-000000000000') = @ownerKey
          AND coalesce(f.parent_id, '00000000-0000-0000-0000-000000000000') = @parentKey
          AND (lower(f.name), f.id) > (@afterKey, @afterId)
          AND {AccessPolicy.FolderViewable("f")}
        ORDER BY lower(f.name), f.id
        LIMIT @take
        """) + "\nORDER BY page.sort_key, page.id";

    public override void Configure()
    {
        Get("folders");
        Description(d => d.WithName("listFolders"));
    }

    public override async Task HandleAsync(ListFoldersRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var after = FolderCursor.Decode(req.Cursor);
        await using var conn = await db.OpenConnectionAsync(ct);

        string space;
        Guid? ownerId;
        IReadOnlyList<FolderPathItem> path;
        if (req.ParentId is { } parentId)
        {
            await policy.EnsureAsync(principal, Permission.FolderView, parentId, ct, "The folder");
            var parent = await FolderStore.RequireAsync(conn, parentId, ct);
            if (req.Space is not null && req.Space != parent.Space)
                throw ApiException.Validation("space", $"The folder is in the {parent.Space} space.");
            (space, ownerId) = (parent.Space, parent.OwnerId);
            path = [.. await FolderStore.PathAsync(conn, policy, principal, parentId, ct), new FolderPathItem(parent.Id, parent.Name)];
        }
        else
        {
            space = req.Space ?? Spaces.Personal;
            if (!await policy.CanUseSpaceAsync(principal, space, ct, write: false)) throw FolderStore.SpaceUnavailable(space);
            ownerId = space == Spaces.Personal ? principal.UserId : null;
            path = [];
        }

        var limit = req.Limit();
        var rows = (await lists.QueryAsync<FolderStore.Row>(conn, new ListQuery("listFolders", ListSql, new
        {
            space, ownerKey = ownerId ?? Guid.Empty, parentKey = req.ParentId ?? Guid.Empty, afterKey = after?.SortKey ?? "", afterId = after?.Id ?? Guid.Empty,
            take = limit + 1, userId = principal.UserId, isAdmin = principal.IsAdmin,
        }), ct)).AsList();

        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? FolderCursor.Encode(page[^1].SortKey, page[^1].Id) : null;
        await Send.OkAsync(new Page<FolderResponse>(page.Select(r => r.ToResponse(path)).ToList(), next), ct);
    }
}
