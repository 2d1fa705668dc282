using Amazon.S3;
using Amazon.S3.Model;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.IntegrationTests.Blobs;

/// <summary>
/// The real S3 server of the test run: ./deploy/dev.sh test starts OpenStack Swift with its S3 API (deploy/lib/swift.sh)
/// and exports where it is. Without it the S3 tests fail and say so: they are never skipped.
/// </summary>
public static class TestS3
{
    public static S3BlobStoreOptions Options(string prefix)
    {
        string Need(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with ./deploy/dev.sh test, which starts a Swift (S3) server and sets it.");
        return new S3BlobStoreOptions
        {
            ServiceUrl = Need("PHOTOAPI_TEST_S3_URL"),
            Bucket = Need("PHOTOAPI_TEST_S3_BUCKET"),
            AccessKey = Need("PHOTOAPI_TEST_S3_ACCESS_KEY"),
            SecretKey = Need("PHOTOAPI_TEST_S3_SECRET_KEY"),
            ForcePathStyle = true,
            Prefix = prefix,
        };
    }

    /// <summary>A prefix of its own per store, so tests never see each other's objects.</summary>
    public static string NewPrefix() => $"test-{Guid.NewGuid():N}/";

    /// <summary>The configuration an API or worker host needs to use this server under <paramref name="prefix"/>.</summary>
    public static IEnumerable<(string Key, string Value)> Settings(string prefix)
    {
        var o = Options(prefix);
        yield return ("Blobs:Provider", "s3");
        yield return ("Blobs:S3:ServiceUrl", o.ServiceUrl!);
        yield return ("Blobs:S3:Bucket", o.Bucket);
        yield return ("Blobs:S3:AccessKey", o.AccessKey!);
        yield return ("Blobs:S3:SecretKey", o.SecretKey!);
        yield return ("Blobs:S3:ForcePathStyle", "true");
        yield return ("Blobs:S3:Prefix", prefix);
    }

    /// <summary>Objects under <paramref name="prefix"/> and multipart uploads never completed there, as the server lists them.</summary>
    public static async Task<string[]> ListAsync(string prefix)
    {
        using var s3 = S3BlobStore.CreateClient(Options(prefix));
        var bucket = Options(prefix).Bucket;
        var found = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        while (true)
        {
            var page = await s3.ListObjectsV2Async(request);
            found.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
        var uploads = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, Prefix = prefix });
        found.AddRange((uploads.MultipartUploads ?? []).Select(u => "multipart upload: " + u.Key));
        return found.ToArray();
    }

    public static async Task PutAsync(string prefix, string key, byte[] bytes)
    {
        using var s3 = S3BlobStore.CreateClient(Options(prefix));
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Options(prefix).Bucket, Key = prefix + key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false,
        });
    }

    public static IAmazonS3 Client(string prefix) => S3BlobStore.CreateClient(Options(prefix));
}
