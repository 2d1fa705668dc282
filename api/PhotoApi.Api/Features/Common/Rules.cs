using FluentValidation;

namespace PhotoApi.Api.Features.Common;

/// <summary>Validation rules shared by several slices: the password policy and account fields.</summary>
public static class Rules
{
    // \A and \z: in .NET, $ also matches before a final line break.
    public const string UsernamePattern = @"\A[A-Za-z0-9][A-Za-z0-9._-]{2,63}\z";

    /// <summary>The password policy: at least 8 characters with an upper-case letter, a lower-case letter and a digit.</summary>
    public static IRuleBuilderOptions<T, string> StrongPassword<T>(this IRuleBuilder<T, string> rule) => rule
        .NotEmpty().WithMessage("A password is required.")
        .MinimumLength(8).WithMessage("The password must have at least 8 characters.")
        .MaximumLength(256).WithMessage("The password must have at most 256 characters.")
        .Must(p => p is null || p.Any(char.IsUpper)).WithMessage("The password must contain an upper-case letter.")
        .Must(p => p is null || p.Any(char.IsLower)).WithMessage("The password must contain a lower-case letter.")
        .Must(p => p is null || p.Any(char.IsDigit)).WithMessage("The password must contain a digit.");

    public static IRuleBuilderOptions<T, string> Username<T>(this IRuleBuilder<T, string> rule) => rule
        .NotEmpty().WithMessage("A username is required.")
        .Matches(UsernamePattern).WithMessage("3 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.");

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
