using PhotoApi.Api.Features.Audit;
using FastEndpoints;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Accounts;

public sealed class DeleteUserRequest : AccountDeletionRequest
{
    public Guid Id { get; set; }
}

public sealed class DeleteUserValidator : Validator<DeleteUserRequest>
{
    public DeleteUserValidator() => AccountDeletionModes.Rules(this);
}

/// <summary>
/// An admin deletes another user's account (see <see cref="AccountDeletion"/>). Not their own (409
/// <c>user.cannot_change_self</c>: that is <c>deleteMyAccount</c>, which asks for the password), and not the last active
/// admin's (409 <c>user.last_admin</c>).
/// </summary>
[Access(AccessScope.Admin)]
public sealed class DeleteUserEndpoint(AccountDeletion deletion) : Endpoint<DeleteUserRequest, AccountDeletionResponse>
{
    public override void Configure()
    {
        Delete("admin/users/{id}");
        Roles(UserRoles.Admin);
        Description(d => d.WithName("deleteUser"));
    }

    public override async Task HandleAsync(DeleteUserRequest req, CancellationToken ct)
    {
        var adminId = User.UserId();
        if (req.Id == adminId)
            throw new ApiException(409, ErrorCodes.CannotChangeSelf, "Delete your own account from your account page (deleteMyAccount), with your password.");
        var result = await deletion.RunAsync(req.Id, req, r => HttpContext.Audit("admin.user-deleted", req.Id, "user", req.Id, AccountDeletion.Details(r)), ct);
        await Send.OkAsync(result, ct);
    }
}
