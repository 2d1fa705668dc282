using FluentValidation;

namespace PhotoApi.Api.Features.Common;

/// <summary>Validation rules shared by several slices: the password policy and account fields.</summary>
public static class Rules
{
    // \A and \z: in .NET, $ also matches before a final line break.
    public const string UsernamePattern = @"\A[A-Za-z0-9][A-Za-z0-9._-]{2,63}\z";

    public const string UsernameRule = "3 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.";

    public const int PasswordMinLength = 8, PasswordMaxLength = 256;

    /// <summary>The password policy's rules after the lengths, in the order they are checked, as registration shows them.</summary>
    public static readonly (string Rule, Func<string, bool> Holds, string Message)[] PasswordRules =
    [
        ("upper", p => p.Any(char.IsUpper), "The password must contain an upper-case letter."),
        ("lower", p => p.Any(char.IsLower), "The password must contain a lower-case letter."),
        ("digit", p => p.Any(char.IsDigit), "The password must contain a digit."),
    ];

    public static readonly string PasswordMinLengthRule = $"The password must have at least {PasswordMinLength} characters.";

    /// <summary>The password policy: at least 8 characters with an upper-case letter, a lower-case letter and a digit.</summary>
    public static IRuleBuilderOptions<T, string> StrongPassword<T>(this IRuleBuilder<T, string> rule)
    {
        var options = rule
            .NotEmpty().WithMessage("A password is required.")
            .MinimumLength(PasswordMinLength).WithMessage(PasswordMinLengthRule)
            .MaximumLength(PasswordMaxLength).WithMessage($"The password must have at most {PasswordMaxLength} characters.");
        foreach (var (_, holds, message) in PasswordRules) options = options.Must(p => p is null || holds(p)).WithMessage(message);
        return options;
    }

    public static IRuleBuilderOptions<T, string> Username<T>(this IRuleBuilder<T, string> rule) => rule
        .NotEmpty().WithMessage("A username is required.")
        .Matches(UsernamePattern).WithMessage(UsernameRule);

    public static IRuleBuilderOptions<T, string?> Email<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("An email address is required.")
        .MaximumLength(254)
        .EmailAddress().WithMessage("Not an email address.");

    public static IRuleBuilderOptions<T, string?> DisplayName<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("A display name is required.")
        .MaximumLength(100)
        .PlainName();

    public static bool IsOneOf(this string? value, params string[] allowed) => value is not null && allowed.Contains(value);
}
