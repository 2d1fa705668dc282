namespace PhotoApi.Contracts;

/// <summary>
/// The stable, machine-readable <c>code</c> of every problem+json answer. Clients switch on these;
/// never rename one. openapi.yaml lists them in the ProblemDetails schema.
/// </summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation.failed";
    public const string MalformedRequest = "request.malformed";
    public const string RequestTooLarge = "request.too_large";
    public const string UnsupportedMediaType = "request.unsupported_media_type";
    public const string NotFound = "resource.not_found";
    public const string MethodNotAllowed = "request.method_not_allowed";
    public const string Conflict = "resource.conflict";
    public const string Internal = "server.error";
    public const string Unavailable = "server.unavailable";

    public const string Unauthenticated = "auth.unauthenticated";
    public const string Forbidden = "auth.forbidden";
    /// <summary>The operation manages credentials and needs a signed-in session; an API key cannot do it.</summary>
    public const string SessionRequired = "auth.session_required";
    /// <summary>An admin has not granted this user (or denied one of their groups) the photo library.</summary>
    public const string PhotoLibraryDenied = "auth.photo_library_denied";
    public const string InvalidCredentials = "auth.invalid_credentials";
    public const string AccountPending = "auth.account_pending";
    public const string AccountDisabled = "auth.account_disabled";
    public const string TotpRequired = "auth.totp_required";
    public const string TotpInvalid = "auth.totp_invalid";
    public const string TotpAlreadyEnabled = "auth.totp_already_enabled";
    public const string TotpNotEnabled = "auth.totp_not_enabled";
    public const string TotpNotEnrolled = "auth.totp_not_enrolled";
    public const string Throttled = "auth.throttled";
    public const string InvalidRefreshToken = "auth.invalid_refresh_token";
    public const string RefreshTokenReused = "auth.refresh_token_reused";
    public const string RegistrationClosed = "auth.registration_closed";
    public const string UsernameTaken = "user.username_taken";
    public const string EmailTaken = "user.email_taken";
    public const string CannotChangeSelf = "user.cannot_change_self";
    /// <summary>The account is the last active administrator's: deleting it would leave the server without one.</summary>
    public const string LastAdmin = "user.last_admin";
    public const string GroupNameTaken = "group.name_taken";
    public const string UnknownMembers = "group.unknown_members";

    public const string FolderNameTaken = "folder.name_taken";
    public const string FolderCycle = "folder.cycle";
    public const string FolderCrossSpace = "folder.cross_space";
    public const string SpaceUnavailable = "space.unavailable";

    public const string UploadMissingFile = "upload.missing_file";
    public const string UploadTooLarge = "upload.too_large";
    public const string UploadNotMultipart = "upload.not_multipart";
    /// <summary>Resumable uploads: the request's Tus-Resumable is not a protocol version this server speaks (412).</summary>
    public const string UploadProtocolUnsupported = "upload.protocol_unsupported";
    /// <summary>Resumable uploads: Upload-Offset is not the offset the server holds (409); ask HEAD and resume from there.</summary>
    public const string UploadOffsetMismatch = "upload.offset_mismatch";
    /// <summary>Resumable uploads: the chunk does not match its Upload-Checksum (460); nothing of it was kept.</summary>
    public const string UploadChecksumMismatch = "upload.checksum_mismatch";
    /// <summary>Resumable uploads: the unfinished upload has expired (410); start a new one.</summary>
    public const string UploadExpired = "upload.expired";
    /// <summary>Resumable uploads: the server lost the upload's staged bytes (410); the upload is gone, start a new one.</summary>
    public const string UploadBytesLost = "upload.bytes_lost";
    /// <summary>Resumable uploads: another request is writing this upload right now (423).</summary>
    public const string UploadLocked = "upload.locked";
    /// <summary>Resumable uploads: too many unfinished uploads, or bytes in them, for this user (or this link and address) (429).</summary>
    public const string UploadUnfinishedLimit = "upload.unfinished_limit";
    public const string AssetNotReady = "asset.not_ready";
    public const string AssetNoDerivative = "asset.no_derivative";
    public const string MediaLinkInvalid = "media.link_invalid";
    /// <summary>The archive link is unknown or has expired (or the session or API key it was made with has ended): answered alike.</summary>
    public const string DownloadLinkInvalid = "download.link_invalid";

    /// <summary>The caller sees the album or share but their role (Viewer, Downloader, Provider) does not allow the operation.</summary>
    public const string RoleInsufficient = "share.role_insufficient";
    /// <summary>Conditional albums are filled by their conditions; entries cannot be added or removed.</summary>
    public const string AlbumNotManual = "album.not_manual";
    /// <summary>An asset named is not in the album.</summary>
    public const string AlbumEntryMissing = "album.entry_missing";
    /// <summary>An album or selection cannot be shared with its owner.</summary>
    public const string InviteeIsOwner = "share.invitee_is_owner";
    /// <summary>An invitee (user or group) does not exist or is not active.</summary>
    public const string UnknownInvitee = "share.unknown_invitee";
    /// <summary>The role cannot be given on this target (conditional albums: Viewer and Downloader only).</summary>
    public const string RoleNotAllowed = "share.role_not_allowed";
    /// <summary>The album is already shared; change its share instead.</summary>
    public const string AlreadyShared = "share.already_shared";
    /// <summary>A user cannot be their own partner.</summary>
    public const string PartnerIsSelf = "partner.is_self";
    /// <summary>The caller already shares their library with this user.</summary>
    public const string PartnerExists = "partner.exists";

    /// <summary>The share link does not exist, is turned off or has expired (or is private and the caller not invited).</summary>
    public const string ShareLinkInvalid = "share.link_invalid";
    /// <summary>The link has a password: unlock it, then present the token.</summary>
    public const string SharePasswordRequired = "share.password_required";
    /// <summary>Unlocking failed: the link or the password is not valid (answered alike).</summary>
    public const string ShareUnlockFailed = "share.unlock_failed";
    /// <summary>The link's owner does not allow downloads.</summary>
    public const string ShareDownloadDisabled = "share.download_disabled";
    /// <summary>The link's owner does not allow uploads.</summary>
    public const string ShareUploadDisabled = "share.upload_disabled";
    /// <summary>The link hides metadata and this file's cannot be removed (not a photo, or one that cannot be decoded): its original is not offered.</summary>
    public const string ShareMetadataHidden = "share.metadata_hidden";
    /// <summary>The share link shows nothing its guests may download: there is no archive to make a link for.</summary>
    public const string ShareArchiveEmpty = "share.archive_empty";

    /// <summary>No photo request has this link (or it was deleted).</summary>
    public const string RequestNotFound = "request.not_found";
    /// <summary>The photo request's expiry date has passed.</summary>
    public const string RequestExpired = "request.expired";
    /// <summary>The photo request's owner has disabled it.</summary>
    public const string RequestDisabled = "request.disabled";
    /// <summary>A photo request takes photos only (not videos, not other files).</summary>
    public const string UploadUnsupportedType = "upload.unsupported_type";
    /// <summary>The album chosen for a photo request must be a manual album the creator owns or is a Provider of.</summary>
    public const string RequestAlbumInvalid = "request.album_invalid";
}
