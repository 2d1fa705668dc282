using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Persistence;

namespace PhotoApi.Api.Features.Assets;

public sealed class UpdateAssetRequest
{
    public Guid Id { get; set; }
    public DateTime? TakenAt { get; set; }
    public int? Rating { get; set; }
    /// <summary>Replaces the tags.</summary>
    public string[]? Tags { get; set; }
    public string? Description { get; set; }
    /// <summary>The file's new name (see <see cref="FileNames.Renamed"/>): downloads and search use it.</summary>
    public string? FileName { get; set; }
}

public sealed class UpdateAssetValidator : Validator<UpdateAssetRequest>
{
    public UpdateAssetValidator()
    {
        RuleFor(x => x.Rating).InclusiveBetween(0, 5).When(x => x.Rating is not null);
        RuleFor(x => x.Tags).Must(t => t!.Length <= 100).When(x => x.Tags is not null).WithMessage("At most 100 tags.");
        RuleForEach(x => x.Tags).NotEmpty().MaximumLength(100).Must(t => !t.Any(char.IsControl)).WithMessage("Tags are 1 to 100 printable characters.");
        RuleFor(x => x.Description).MaximumLength(10_000);
        RuleFor(x => x.FileName).Must(FileNames.IsAcceptableName).When(x => x.FileName is not null).WithMessage(FileNames.RenameMessage);
        RuleFor(x => x.TakenAt).InclusiveBetween(new DateTime(1800, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc))
            .When(x => x.TakenAt is not null);
    }
}

/// <summary>
/// Edits date/time, rating, tags, description and the file's name. A date set here wins over the one read from the file.
/// Renaming is editing: whoever may edit the asset may rename it.
/// </summary>
[Access(Permission.AssetEdit, On = "id", What = "The asset")]
public sealed class UpdateAssetEndpoint(NpgsqlDataSource db, AssetViews views) : Endpoint<UpdateAssetRequest, AssetResponse>
{
    private const string UpdateSql = """
        UPDATE assets SET
            taken_at = coalesce(@takenAt, taken_at),
            taken_at_source = CASE WHEN @takenAt::timestamptz IS NULL THEN taken_at_source ELSE 'user' END,
            rating = coalesce(@rating::smallint, rating),
            tags = coalesce(@tags, tags),
            description = coalesce(@description, description),
            original_file_name = coalesce(@fileName, original_file_name),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("assets/{id}");
        Description(d => d.WithName("updateAsset"));
    }

    public override async Task HandleAsync(UpdateAssetRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        string? fileName = null;
        if (req.FileName is not null)
        {
            fileName = FileNames.Renamed((await AssetQueries.GetOneAsync(conn, req.Id, ct)).OriginalFileName, req.FileName);
            if (fileName.Length > FileNames.MaxLength) throw ApiException.Validation("fileName", FileNames.RenameMessage);
        }
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            req.Id, takenAt = req.TakenAt?.ToUniversalTime(), req.Rating, req.Description, fileName,
            tags = req.Tags?.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
        }, cancellationToken: ct));
        await Send.OkAsync(await views.ForAsync(HttpContext.Principal(), await AssetQueries.GetOneAsync(conn, req.Id, ct), ct), ct);
    }
}
