using System.Globalization;
using System.Text;

namespace PhotoApi.Persistence;

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
        // Windows drops trailing dots and spaces; a name of dots alone is a directory reference. Trimmed after the cut to
        // length, so that a safe name is its own safe name (zip paths made ahead of time are written as they were made).
        var safe = text.ToString();
        if (safe.Length > MaxLength) safe = safe[..MaxLength];
        safe = Trimmed(safe);
        if (safe.Length == 0 || safe.All(c => c == '.')) return Fallback;
        if (DeviceNames.Contains(Path.GetFileNameWithoutExtension(safe)))
            safe = Trimmed(("_" + safe)[..Math.Min(MaxLength, safe.Length + 1)]);
        return safe;
    }

    private static string Trimmed(string name)
    {
        var end = name.Length;
        while (end > 0 && (char.IsWhiteSpace(name[end - 1]) || name[end - 1] == '.')) end--;
        return name[..end].TrimStart();
    }

    /// <summary><see cref="Safe"/>, and distinct (ignoring case) from every name already in <paramref name="taken"/>, which it joins.</summary>
    public static string Unique(HashSet<string> taken, string? name) => UniqueIn(taken, null, name);

    /// <summary>
    /// A path in a zip: <paramref name="folder"/> (segments separated by <c>/</c>, each made <see cref="Safe"/>; null: the
    /// top) and a <see cref="Safe"/> name distinct (ignoring case) from every path already in <paramref name="taken"/>,
    /// which it joins.
    /// </summary>
    public static string UniqueIn(HashSet<string> taken, string? folder, string? name)
    {
        var prefix = folder is null ? "" : string.Join('/', folder.Split('/').Select(Safe)) + "/";
        var safe = Safe(name);
        var candidate = prefix + safe;
        var (stem, extension) = (Path.GetFileNameWithoutExtension(safe), Path.GetExtension(safe));
        for (var n = 2; !taken.Add(candidate); n++)
        {
            // Still at most MaxLength: the name stays its own safe name.
            var suffix = $" ({n}){extension}";
            var kept = stem.Length + suffix.Length <= MaxLength ? stem : Trimmed(stem[..Math.Max(0, MaxLength - suffix.Length)]);
            candidate = prefix + kept + suffix;
        }
        return candidate;
    }
}
