using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.UnitTests.Auth;

public sealed class TotpTests
{
    // RFC 6238 appendix B, SHA-1 key "12345678901234567890"; the RFC prints 8 digits, authenticators show the last 6.
    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1111111111L, "050471")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    [InlineData(20000000000L, "353130")]
    public void Codes_match_the_rfc_6238_test_vectors(long unixSeconds, string expected)
    {
        var key = "12345678901234567890"u8.ToArray();
        Assert.Equal(expected, Totp.Code(key, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds))));
    }

    [Fact]
    public void Verify_accepts_one_step_of_skew_and_refuses_replays_and_junk()
    {
        var secret = Totp.NewSecret();
        var key = Totp.Base32Decode(secret);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_015);
        var step = Totp.StepAt(now);

        Assert.Equal(step, Totp.Verify(secret, Totp.Code(key, step), now, null));
        Assert.Equal(step - 1, Totp.Verify(secret, Totp.Code(key, step - 1), now, null));
        Assert.Equal(step + 1, Totp.Verify(secret, Totp.Code(key, step + 1), now, null));
        Assert.Null(Totp.Verify(secret, Totp.Code(key, step - 2), now, null));
        Assert.Null(Totp.Verify(secret, Totp.Code(key, step), now, lastUsedStep: step));
        Assert.Null(Totp.Verify(secret, "12345", now, null));
        Assert.Null(Totp.Verify(secret, "abcdef", now, null));
        Assert.Null(Totp.Verify(secret, null, now, null));
    }

    [Fact]
    public void Base32_round_trips_and_secrets_carry_160_bits()
    {
        var bytes = Enumerable.Range(0, 37).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(bytes, Totp.Base32Decode(Totp.Base32Encode(bytes)));
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Totp.Base32Encode("12345678901234567890"u8));
        Assert.Equal(20, Totp.Base32Decode(Totp.NewSecret()).Length);
        Assert.Throws<FormatException>(() => Totp.Base32Decode("not base32!"));
    }
}
