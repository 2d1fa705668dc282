namespace PhotoApi.Api.Access;

/// <summary>
/// What a guest route needs of the link named by its <see cref="AccessAttribute.Link"/> parameter; the
/// <see cref="LinkStage"/> enforces it before the handler runs. <see cref="None"/>: a share link that opens for the caller
/// (a locked one too: the handler sees <see cref="LinkGuest.Unlocked"/>). <see cref="PhotoRequest"/>: the key is a photo
/// request's instead.
/// </summary>
[Flags]
public enum LinkNeeds
{
    None = 0,
    /// <summary>Unlocked: no password needed, or a valid unlock token (401 <c>share.password_required</c>).</summary>
    Unlocked = 1,
    /// <summary>The link allows downloads (403 <c>share.download_disabled</c>).</summary>
    Download = 2,
    /// <summary>The link allows uploads and its owner may still upload there (403 <c>share.upload_disabled</c>).</summary>
    Upload = 4,
    /// <summary>The key opens a photo request, not a share (404 <c>request.not_found</c>).</summary>
    PhotoRequest = 8,
    /// <summary>With <see cref="PhotoRequest"/>: it accepts files now (410 <c>request.disabled</c> / <c>request.expired</c>).</summary>
    Open = 16,
}
