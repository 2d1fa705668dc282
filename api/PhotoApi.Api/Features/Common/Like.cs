namespace PhotoApi.Api.Features.Common;

public static class Like
{
    /// <summary>An ILIKE pattern matching <paramref name="text"/> anywhere, with the user's % and _ taken literally.</summary>
    public static string? Contains(string? text) =>
        text is null ? null : "%" + text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
