using Microsoft.Extensions.Configuration;

namespace PhotoApi.Backup;

public static class BackupProgram
{
    /// <summary>
    /// The configuration the API reads: its appsettings.json (in the folder PHOTOAPI_SETTINGS_DIR names, which the scripts
    /// set to api/PhotoApi.Api; the environment's appsettings.{env}.json too), then environment variables (Section__Key).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        var settingsDir = Environment.GetEnvironmentVariable("PHOTOAPI_SETTINGS_DIR") ?? AppContext.BaseDirectory;
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Path.GetFullPath(settingsDir))
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await BackupCli.RunAsync(args, configuration, Console.Out, Console.Error, cancel.Token);
    }
}
