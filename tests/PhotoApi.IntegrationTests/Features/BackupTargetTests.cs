using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;
using PhotoApi.Backup;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Backups into one target share its blob folder. A copy the worker makes again under the same key (a photo's clean copy
/// made anew, of other bytes) must not replace the file an earlier backup names: that backup would no longer restore. And
/// two backups never write into one target at once.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BackupTargetTests(ApiFactory api) : IClassFixture<ApiFactory>, IDisposable
{
    private readonly string _target = Path.Combine(Path.GetTempPath(), "photoapi-backup-remade-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_target)) Directory.Delete(_target, recursive: true);
    }

    private IConfiguration Config(string? connectionString = null, string? blobRoot = null) =>
        BackupTool.Local(connectionString ?? api.ConnectionString, blobRoot ?? api.BlobRoot);

    [Fact]
    public async Task A_copy_made_again_under_its_key_goes_beside_the_earlier_backups_file_and_both_backups_restore()
    {
        var user = await api.NewUserAsync("backup-remade");
        var assetId = await user.UploadUniqueAsync();
        await user.WaitProcessedAsync(assetId);
        await using var db = new NpgsqlConnection(api.ConnectionString);
        var checksum = await db.ExecuteScalarAsync<byte[]>("SELECT checksum FROM assets WHERE id = @assetId", new { assetId });
        var hex = Convert.ToHexStringLower(checksum!);
        var key = $"clean-originals/{hex[..2]}/{hex[2..4]}/{hex}.jpg"; // the clean copy's key is the original's: made again, it lands there
        async Task CleanCopyAsync(byte[] bytes)
        {
            var path = Path.Combine(api.BlobRoot, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
            await db.ExecuteAsync("""
                INSERT INTO clean_originals (checksum, status, blob_key, clean_checksum, size_bytes) VALUES (@checksum, 'ready', @key, @sha, @size)
                ON CONFLICT (checksum) DO UPDATE SET clean_checksum = excluded.clean_checksum, size_bytes = excluded.size_bytes
                """, new { checksum, key, sha = SHA256.HashData(bytes), size = (long)bytes.Length });
        }

        var first = Encoding.UTF8.GetBytes("the first clean copy");
        var second = Encoding.UTF8.GetBytes("the clean copy made again, of other bytes");
        await CleanCopyAsync(first);
        var backup = await BackupTool.RunAsync(Config(), "backup", _target);
        Assert.True(backup.Exit == 0, backup.Error + backup.Output);
        await CleanCopyAsync(second);
        backup = await BackupTool.RunAsync(Config(), "backup", _target);
        Assert.True(backup.Exit == 0, backup.Error + backup.Output);

        var folders = Directory.GetDirectories(_target).Where(d => Path.GetFileName(d) != "blobs").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, folders.Count);
        var manifests = new List<Manifest>();
        foreach (var folder in folders) manifests.Add(await Manifest.ReadAsync(Path.Combine(folder, Manifest.FileName), CancellationToken.None));
        Assert.Equal((1, (string?)null), (manifests[0].Format, manifests[0].Blobs.Single(b => b.Key == key).File));
        Assert.Equal((Manifest.CurrentFormat, ManifestBlob.VariantOf(key, Convert.ToHexStringLower(SHA256.HashData(second)))),
            (manifests[1].Format, manifests[1].Blobs.Single(b => b.Key == key).File));
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(_target, "blobs", key))); // the first backup's file, untouched
        Assert.Equal(1, manifests[1].Copied.Blobs); // the rest was in the target already

        // Each backup restores, with its own bytes of the copy.
        foreach (var (folder, bytes) in new[] { (folders[0], first), (folders[1], second) })
        {
            var database = await TestDatabase.CreateDatabaseAsync("remade");
            var root = Path.Combine(Path.GetTempPath(), "photoapi-restore-remade-" + Guid.NewGuid().ToString("N"));
            try
            {
                var restored = await BackupTool.RunAsync(Config(database, root), "restore", folder);
                Assert.True(restored.Exit == 0, restored.Error + restored.Output);
                Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(root, key)));
            }
            finally
            {
                await TestDatabase.DropDatabaseAsync(database);
                if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_backup_into_a_target_another_backup_is_writing_into_is_refused_and_touches_nothing()
    {
        Directory.CreateDirectory(_target);
        var partial = Directory.CreateDirectory(Path.Combine(_target, ".partial-inflight")).FullName;
        // Another backup (of this instance or another) holds the target.
        await using (new FileStream(Path.Combine(_target, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var refused = await BackupTool.RunAsync(Config(), "backup", _target);
            Assert.Equal((BackupCli.Failed, true), (refused.Exit, refused.Error.Contains("Another backup is writing into", StringComparison.Ordinal)));
            Assert.True(Directory.Exists(partial), "the refused run deleted the running backup's work");
        }
        var backup = await BackupTool.RunAsync(Config(), "backup", _target);
        Assert.True(backup.Exit == 0, backup.Error + backup.Output);
        Assert.False(Directory.Exists(partial)); // a run that holds the target clears what a stopped one left
    }
}
