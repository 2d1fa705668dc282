using System.Text;
using FluentValidation;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

/// <summary>The folder named by the route.</summary>
public sealed class FolderIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>One ancestor of a folder, as a breadcrumb shows it.</summary>
public sealed record FolderPathItem(Guid Id, string Name);

/// <summary>
/// A folder of a Personal Space (<c>ownerId</c> = its user) or of the Shared Space (<c>ownerId</c> null).
/// <c>path</c> holds the ancestors from the top of the space down to the parent (empty at the top level);
/// <c>childCount</c> counts the direct subfolders, <c>assetCount</c> the non-trashed assets directly in the folder, both
/// only as far as the caller may view them. <c>shareId</c> is the folder's share (Shared Space folders only) for those who
/// manage it — the admins, as an album's owner sees its album's — and null for everyone else.
/// </summary>
public record FolderResponse(
    Guid Id, string Name, string Space, Guid? ParentId, Guid? OwnerId, Guid? CoverAssetId,
    IReadOnlyList<FolderPathItem> Path, int ChildCount, int AssetCount, Guid? ShareId, Guid? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt);

public static class Spaces
{
    public const string Personal = "personal";
    public const string Shared = "shared";
}

/// <summary>Keyset cursor of folder lists: the last row's (lower(name), id), base64url-encoded. Opaque to clients.</summary>
internal static class FolderCursor
{
    public const int MaxLength = 2048;

    public static string Encode(string sortKey, Guid id) => Secrets.Base64Url([.. id.ToByteArray(), .. Encoding.UTF8.GetBytes(sortKey)]);

    public static (string SortKey, Guid Id)? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var bytes = PhotoApi.Api.Infrastructure.Auth.Secrets.FromBase64Url(cursor);
            if (bytes.Length < 16) throw new FormatException();
            return (new UTF8Encoding(false, true).GetString(bytes, 16, bytes.Length - 16), new Guid(bytes.AsSpan(0, 16)));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw ApiException.Validation("cursor", "The cursor is not one this API returned.");
        }
    }
}

public static class FolderRules
{
    /// <summary>
    /// A folder name, judged after trimming: 1 to 255 characters, no '/' or '\', not '.' or '..', no control characters.
    /// Endpoints store <c>name.Trim()</c>.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> FolderName<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("A name is required.")
        .Must(n => n is null || n.Trim().Length <= 255).WithMessage("A name has at most 255 characters.")
        .Must(n => n is null || n.IndexOfAny(['/', '\\']) < 0).WithMessage("A name cannot contain '/' or '\\'.")
        .Must(n => n is null || n.Trim() is not ("." or "..")).WithMessage("A name cannot be '.' or '..'.")
        .Must(n => n is null || !n.Any(char.IsControl)).WithMessage("A name cannot contain control characters.");
}
