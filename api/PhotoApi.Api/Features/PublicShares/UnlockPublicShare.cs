using FastEndpoints;
using FluentValidation;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class UnlockPublicShareRequest
{
    public string Key { get; set; } = "";
    public string Password { get; set; } = "";
}

public sealed class UnlockPublicShareValidator : Validator<UnlockPublicShareRequest>
{
    public UnlockPublicShareValidator() => RuleFor(x => x.Password).NotEmpty().MaximumLength(256);
}

/// <param name="ShareToken">Present it as the <c>X-Share-Token</c> header (or <c>?token=</c>) on the link's other routes; a cookie is set too.</param>
public sealed record UnlockPublicShareResponse(string ShareToken, DateTime ExpiresAt);

/// <summary>
/// Unlocks a password-protected link. A wrong password and a link that opens nothing are answered alike (401
/// <c>share.unlock_failed</c>, after the same slow hash); attempts are throttled per link and per IP.
/// </summary>
[Access(AccessScope.Guest)]
public sealed class UnlockPublicShareEndpoint(GuestLinks links) : Endpoint<UnlockPublicShareRequest, UnlockPublicShareResponse>
{
    public override void Configure()
    {
        Post("s/{key}/unlock");
        AllowAnonymous();
        Description(d => d.WithName("unlockPublicShare"));
    }

    public override async Task HandleAsync(UnlockPublicShareRequest req, CancellationToken ct)
    {
        var (token, expires) = await links.UnlockAsync(HttpContext, req.Key, req.Password, ct);
        HttpContext.Response.Cookies.Append(GuestLinks.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true, Secure = HttpContext.Request.IsHttps, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax, Path = $"{ApiRoutes.Base}/s/{req.Key}", Expires = expires,
        });
        await Send.OkAsync(new UnlockPublicShareResponse(token, expires), ct);
    }
}
