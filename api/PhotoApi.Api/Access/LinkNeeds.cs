namespace PhotoApi.Api.Access;

/// <summary>
/// What a guest route needs of the share link named by its <see cref="AccessAttribute.Link"/> parameter; the
/// <see cref="LinkStage"/> enforces it before the handler runs. <see cref="None"/>: the link opens for the caller (a
/// locked one too: the handler sees <see cref="LinkGuest.Unlocked"/>).
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
}
