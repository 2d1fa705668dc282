using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Admin;

[Access(AccessScope.Admin)]
public sealed class GetSettingsEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<SettingsResponse>
{
    public override void Configure()
    {
        Get("admin/settings");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("getSettings"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await conn.QuerySingleAsync<SettingsResponse>(new CommandDefinition(SettingsSql.Select, cancellationToken: ct)), ct);
    }
}
