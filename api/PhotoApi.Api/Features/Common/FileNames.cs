using System.Globalization;
using System.Text;

namespace PhotoApi.Api.Features.Common;

/// <summary>
/// File names as the API hands them out (zip entries, download names): one plain name, nothing a file system, an archive
/// tool or a screen could read as something else — no directory parts, no <c>..</c>, no control, formatting or bidi
/// override characters (<c>invoice\u202Egpj.exe</c> shows as <c>invoiceexe.jpg</c>), no characters Windows refuses in a
/// name, no device names. Never used to store anything on disk.
/// </summary>
public static class FileNames
{
    public const string Fallback = "unnamed";
    public const int MaxLength = 255;

    private static readonly HashSet<string> DeviceNames = new(
        ["CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
         "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"], StringComparer.OrdinalIgnoreCase);

    public static string Safe(string? name)
    {
        var text = new StringBuilder((name ?? "").Length);
        foreach (var c in name ?? "")
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned) continue;
            text.Append(c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
        }
        // Windows drops trailing dots and spaces; a name of dots alone is a directory reference.
        var safe = text.ToString().Trim().TrimEnd('.', ' ');
        if (safe.Length == 0 || safe.All(c => c == '.')) return Fallback;
        if (DeviceNames.Contains(Path.GetFileNameWithoutExtension(safe))) safe = "_" + safe;
        return safe.Length <= MaxLength ? safe : safe[..MaxLength];
    }

    /// <summary><see cref="Safe"/>, and distinct (ignoring case) from every name already in <paramref name="taken"/>, which it joins.</summary>
    public static string Unique(HashSet<string> taken, string? name)
    {
        var safe = Safe(name);
        var candidate = safe;
        for (var n = 2; !taken.Add(candidate); n++)
            candidate = $"{Path.GetFileNameWithoutExtension(safe)} ({n}){Path.GetExtension(safe)}";
        return candidate;
    }
}
