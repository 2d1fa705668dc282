using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PhotoApi.Api.Infrastructure.Auth;

public sealed class PasswordOptions
{
    /// <summary>PBKDF2-HMAC-SHA512 iterations; OWASP (2023) asks for at least 210,000.</summary>
    public int Iterations { get; set; } = 210_000;
}

/// <summary>
/// PBKDF2-HMAC-SHA512 with a 128-bit salt. The stored form names the algorithm and work factor, so the factor can be
/// raised later and old hashes still verify (and are re-hashed on the next sign-in).
/// </summary>
public sealed class PasswordHasher(Microsoft.Extensions.Options.IOptions<PasswordOptions> options)
{
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // A hash to verify against when the account does not exist, so that unknown and known usernames cost the same.
    private readonly Lazy<string> _dummy = new(() => HashCore("not-a-real-password", options.Value.Iterations));

    public string Hash(string password) => HashCore(password, options.Value.Iterations);

    public bool Verify(string password, string? stored)
    {
        if (stored is null)
        {
            VerifyCore(password, _dummy.Value);
            return false;
        }
        return VerifyCore(password, stored);
    }

    public bool NeedsRehash(string stored) =>
        !stored.StartsWith($"{Scheme}${options.Value.Iterations.ToString(CultureInfo.InvariantCulture)}$", StringComparison.Ordinal);

    private static string HashCore(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    private static bool VerifyCore(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var iterations)) return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
