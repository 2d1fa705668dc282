namespace PhotoApi.Api.Access;

/// <summary>How an endpoint decides who may call it.</summary>
public enum AccessScope
{
    /// <summary>It asks the <see cref="AccessPolicy"/> for the permissions named.</summary>
    Policy,
    /// <summary>It touches only the caller's own rows (its SQL is keyed by the caller's id) or lists scoped by the policy's SQL.</summary>
    Caller,
    /// <summary>
    /// Any signed-in user, photo-library privilege or not: their own account (profile, password, two-step, API keys,
    /// sign-out) and the directory of users and groups. Every other signed-in route needs the photo-library privilege.
    /// </summary>
    SignedIn,
    /// <summary>Administrators only (its auth policy requires the admin role).</summary>
    Admin,
    /// <summary>Anyone: service routes and the steps of signing in.</summary>
    Anonymous,
    /// <summary>Holders of a link key: <see cref="GuestLinks"/> resolves the key and says what the link allows.</summary>
    Guest,
}

/// <summary>
/// Declares what an endpoint asks the access policy. Every endpoint carries one: the API refuses to start without it, and
/// a test checks that each permission named has a rule and that the endpoint's code asks for no permission it does not
/// declare.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AccessAttribute : Attribute
{
    public AccessAttribute(Permission first, params Permission[] more) => (Scope, Permissions) = (AccessScope.Policy, [first, .. more]);

    public AccessAttribute(AccessScope scope) => (Scope, Permissions) = (scope, []);

    /// <summary>A guest route that also asks the policy about a signed-in caller (non-public links).</summary>
    public AccessAttribute(AccessScope scope, Permission first, params Permission[] more) => (Scope, Permissions) = (scope, [first, .. more]);

    public AccessScope Scope { get; }
    public IReadOnlyList<Permission> Permissions { get; }

    /// <summary>
    /// The route parameter holding the id of the resource the first permission is about (e.g. <c>id</c>). When set, the
    /// <see cref="AccessStage"/> enforces that permission before the handler runs, and the handler asks nothing itself.
    /// </summary>
    public string? On { get; init; }

    /// <summary>How the resource is named in the 404 (<c>The asset</c>).</summary>
    public string What { get; init; } = "The resource";

    /// <summary>
    /// With <see cref="On"/>: the permission that decides between 404 and 403 — a caller who holds it but not the first
    /// permission is told that their role does not allow this (<c>share.role_insufficient</c>) instead of "not found".
    /// </summary>
    public Permission SeenWith
    {
        get => _seenWith ?? Permissions[0];
        init => _seenWith = value;
    }

    private readonly Permission? _seenWith;

    /// <summary>
    /// A media route (anonymous to the authentication step) where a signed URL the API handed out stands in for sign-in:
    /// with <c>exp</c> and <c>sig</c>, the <see cref="AccessStage"/> checks the signature for exactly the route's asset and
    /// the variant the request names (<see cref="ISignedMediaRequest"/>); without them, the caller must be signed in with
    /// the photo-library privilege, and the declared permission is enforced as for any other route.
    /// </summary>
    public bool SignedUrls { get; init; }

    /// <summary>
    /// A route reached through an archive link (<see cref="ArchiveLinks"/>, anonymous to the authentication step): the
    /// route parameter holding the link's token. The <see cref="AccessStage"/> resolves it (404 <c>download.link_invalid</c>
    /// for unknown and expired ones alike) and makes the user who made the link the request's principal, for whom the
    /// handler asks the policy the permissions declared, now.
    /// </summary>
    public string? ArchiveLink { get; init; }

    /// <summary>Whether <see cref="SeenWith"/> was given.</summary>
    public bool DistinguishesRole => _seenWith is not null;

    /// <summary>
    /// For a <see cref="AccessScope.Guest"/> route: the route parameter holding the share link's key (e.g. <c>key</c>).
    /// When set, the <see cref="LinkStage"/> resolves the link once, enforces <see cref="LinkNeeds"/>, and hands the
    /// handler the result (<c>HttpContext.LinkGuest()</c>).
    /// </summary>
    public string? Link { get; init; }

    /// <summary>With <see cref="Link"/>: what the route needs of the link.</summary>
    public LinkNeeds LinkNeeds { get; init; }
}
