using FastEndpoints;
using FluentValidation;

namespace PhotoApi.Api.Features.Me;

public sealed class TotpCodeRequest
{
    public string Code { get; set; } = "";
}

public sealed class TotpCodeValidator : Validator<TotpCodeRequest>
{
    public TotpCodeValidator() => RuleFor(x => x.Code).NotEmpty().Matches("^[0-9]{6}$").WithMessage("A code is 6 digits.");
}
