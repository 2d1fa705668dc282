using System.Security.Cryptography;
using System.Text;

namespace PhotoApi.Api.Infrastructure.Auth;

/// <summary>Random tokens and their storage form. Tokens carry 256 random bits; only their SHA-256 is stored.</summary>
public static class Secrets
{
    public static string NewToken(string prefix = "") =>
        prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A fast hash is right for 256-bit random tokens (nothing to brute-force); passwords use <see cref="PasswordHasher"/>.
    /// Lookups go by this hash, so the secret itself is never compared byte by byte.
    /// </summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The inverse of <see cref="Base64Url"/>; throws <see cref="FormatException"/> on anything else.</summary>
    public static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64 + new string('=', (4 - base64.Length % 4) % 4));
    }
}
