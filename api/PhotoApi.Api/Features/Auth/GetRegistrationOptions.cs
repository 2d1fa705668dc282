using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Auth;

public sealed record PasswordRule(string Rule, string Message);

public sealed record RegistrationOptionsResponse(
    string Mode, bool FirstAccount, int PasswordMinLength, int PasswordMaxLength, PasswordRule[] PasswordRules, string UsernamePattern, string UsernameRule);

/// <summary>What a registration form shows before it is sent: the admin's registration mode and the rules <c>register</c> checks.</summary>
[Access(AccessScope.Anonymous)]
public sealed class GetRegistrationOptionsEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<RegistrationOptionsResponse>
{
    private const string Sql = $"SELECT registration_mode AS mode, NOT ({RegisterEndpoint.AnyUserSql}) AS first FROM settings";

    private static readonly PasswordRule[] PasswordRules =
        [new("min_length", Rules.PasswordMinLengthRule), .. Rules.PasswordRules.Select(r => new PasswordRule(r.Rule, r.Message))];

    public override void Configure()
    {
        Get("auth/registration");
        AllowAnonymous();
        Description(d => d.WithName("getRegistrationOptions"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (mode, first) = await conn.QuerySingleAsync<(string, bool)>(new CommandDefinition(Sql, cancellationToken: ct));
        await Send.OkAsync(new RegistrationOptionsResponse(mode, first, Rules.PasswordMinLength, Rules.PasswordMaxLength, PasswordRules,
            Rules.UsernamePattern, Rules.UsernameRule), ct);
    }
}
