using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

public sealed class AssetIdsRequest
{
    public Guid[] Ids { get; set; } = [];
}

public sealed class AssetIdsValidator : Validator<AssetIdsRequest>
{
    public AssetIdsValidator() =>
        RuleFor(x => x.Ids).NotEmpty().Must(i => i.Length <= 1000).WithMessage("Between 1 and 1,000 ids.");
}

public sealed record AssetIdsResponse(IReadOnlyList<Guid> Ids);

/// <summary>Asks the policy about every id (all or nothing), then runs one UPDATE … WHERE id = ANY(@ids) RETURNING id.</summary>
internal static class AssetBatch
{
    public static async Task<AssetIdsResponse> UpdateAsync(NpgsqlDataSource db, AccessPolicy policy, Principal principal,
        Permission permission, string sql, Guid[] ids, CancellationToken ct)
    {
        var distinct = ids.Distinct().ToArray();
        await policy.EnsureAsync(principal, permission, distinct, ct, "An asset");
        await using var conn = await db.OpenConnectionAsync(ct);
        var changed = await conn.QueryAsync<Guid>(new CommandDefinition(sql, new { ids = distinct }, cancellationToken: ct));
        return new AssetIdsResponse(changed.AsList());
    }
}
