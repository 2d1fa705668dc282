using FluentValidation;
using Microsoft.Extensions.Options;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.UnitTests.Auth;

public sealed class PasswordTests
{
    private static PasswordHasher Hasher(int iterations = 210_000) => new(Options.Create(new PasswordOptions { Iterations = iterations }));

    [Fact]
    public void A_hash_verifies_its_password_only_and_is_salted()
    {
        var hasher = Hasher();
        var a = hasher.Hash("Correct-Horse1");
        var b = hasher.Hash("Correct-Horse1");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha512$210000$", a, StringComparison.Ordinal);
        Assert.True(hasher.Verify("Correct-Horse1", a));
        Assert.False(hasher.Verify("correct-horse1", a));
        Assert.False(hasher.Verify("Correct-Horse1", null));
        Assert.False(hasher.Verify("Correct-Horse1", "md5$whatever"));
    }

    [Fact]
    public void A_lower_work_factor_is_flagged_for_rehash_and_still_verifies()
    {
        var old = Hasher(100_000).Hash("Correct-Horse1");
        var current = Hasher();
        Assert.True(current.NeedsRehash(old));
        Assert.True(current.Verify("Correct-Horse1", old));
        Assert.False(current.NeedsRehash(current.Hash("x")));
    }

    private sealed class Probe : AbstractValidator<string>
    {
        public Probe() => RuleFor(x => x).StrongPassword();
    }

    [Theory]
    [InlineData("Abcdefg1", true)]
    [InlineData("Abcdef1", false)]   // 7 characters
    [InlineData("abcdefg1", false)]  // no upper-case
    [InlineData("ABCDEFG1", false)]  // no lower-case
    [InlineData("Abcdefgh", false)]  // no digit
    [InlineData("Ünïcödé9x", true)]  // letters beyond ASCII count
    public void The_password_policy_needs_8_characters_upper_lower_and_digit(string password, bool valid) =>
        Assert.Equal(valid, new Probe().Validate(password).IsValid);
}
