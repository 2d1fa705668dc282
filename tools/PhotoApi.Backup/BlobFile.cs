using System.Security.Cryptography;

namespace PhotoApi.Backup;

/// <summary>Copying bytes while counting and hashing them (SHA-256), the one way both directions check what they moved.</summary>
public static class BlobFile
{
    public static async Task<(long Length, byte[] Sha256)> CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        long length = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
            length += read;
        }
        return (length, hash.GetHashAndReset());
    }

    public static async Task<byte[]> HashAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await SHA256.HashDataAsync(file, ct);
    }

    public static string Hex(byte[] sha256) => Convert.ToHexStringLower(sha256);
}
