using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Me;

[Access(AccessScope.SignedIn)]
public sealed class GetMeEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<UserResponse>
{
    public override void Configure()
    {
        Get("users/me");
        Description(d => d.WithName("getMe"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await UserQueries.GetAsync(conn, User.UserId(), ct), ct);
    }
}
