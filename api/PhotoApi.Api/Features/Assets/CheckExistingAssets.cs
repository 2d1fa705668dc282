using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.Api.Features.Assets;

public sealed class CheckExistingAssetsRequest
{
    /// <summary>SHA-256 checksums (hex) the device has.</summary>
    public string[] Checksums { get; set; } = [];
}

public sealed class CheckExistingAssetsValidator : Validator<CheckExistingAssetsRequest>
{
    public CheckExistingAssetsValidator()
    {
        RuleFor(x => x.Checksums).NotNull().Must(c => c.Length <= 5000).WithMessage("At most 5,000 checksums per request.");
        RuleForEach(x => x.Checksums).Matches("^[0-9a-fA-F]{64}$").WithMessage("A checksum is 64 hex characters (SHA-256).");
    }
}

public sealed record ExistingAsset(string Checksum, Guid AssetId);

public sealed record CheckExistingAssetsResponse(IReadOnlyList<ExistingAsset> Existing);

/// <summary>Mobile backup: which of these checksums the caller already has (trashed ones too, so deleted photos are not sent again).</summary>
[Access(AccessScope.Caller)]
public sealed class CheckExistingAssetsEndpoint(NpgsqlDataSource db) : Endpoint<CheckExistingAssetsRequest, CheckExistingAssetsResponse>
{
    private const string ExistingSql = """
        SELECT DISTINCT ON (checksum) checksum, id FROM assets
        WHERE owner_id = @ownerId AND checksum = ANY(@checksums)
        ORDER BY checksum, created_at
        """;

    public override void Configure()
    {
        Post("assets/exists");
        Description(d => d.WithName("checkExistingAssets"));
    }

    public override async Task HandleAsync(CheckExistingAssetsRequest req, CancellationToken ct)
    {
        var checksums = req.Checksums.Select(Convert.FromHexString).ToArray();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<(byte[] Checksum, Guid Id)>(new CommandDefinition(ExistingSql,
            new { ownerId = User.UserId(), checksums }, cancellationToken: ct));
        await Send.OkAsync(new CheckExistingAssetsResponse(rows.Select(r => new ExistingAsset(Convert.ToHexStringLower(r.Checksum), r.Id)).ToList()), ct);
    }
}
