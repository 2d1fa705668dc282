namespace PhotoApi.Api.Features.Admin;

public sealed record SettingsResponse(string RegistrationMode, bool SharedSpaceEnabled, DateTime UpdatedAt);

public static class SettingsSql
{
    public const string Select = "SELECT registration_mode, shared_space_enabled, updated_at FROM settings";
}
