using Microsoft.Extensions.Configuration;
using Npgsql;

namespace PhotoApi.Backup;

/// <summary>
/// <c>backup TARGET_DIR</c> and <c>restore BACKUP_DIR</c> (deploy/backup.sh, deploy/restore.sh). Exit status: 0 done;
/// 1 refused or failed (one message saying why); 2 usage; 3 backup made, but blobs its snapshot references were gone
/// from the store (listed in the manifest and printed).
/// </summary>
public static class BackupCli
{
    public const int Ok = 0, Failed = 1, Usage = 2, Incomplete = 3;

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (args is not [("backup" or "restore") and var command, var dir])
        {
            await error.WriteLineAsync("usage: backup TARGET_DIR | restore BACKUP_DIR (TARGET_DIR/<time>, a folder holding manifest.json)");
            return Usage;
        }
        try
        {
            await using var instance = Instance.From(configuration);
            if (command == "backup")
            {
                var (manifest, _) = await new BackupRun(instance, output).RunAsync(dir, ct);
                return manifest.Missing.Count == 0 ? Ok : Incomplete;
            }
            await new RestoreRun(instance, output).RunAsync(dir, ct);
            return Ok;
        }
        catch (BackupException e)
        {
            await error.WriteLineAsync($"{command}: {e.Message}");
            return Failed;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or UnauthorizedAccessException or InvalidOperationException or Amazon.Runtime.AmazonServiceException)
        {
            await error.WriteLineAsync($"{command} failed: {e.Message}");
            return Failed;
        }
    }
}
