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

    public const string RenameMessage = "Must be one file name of at most 255 characters: not empty, no / or \\, no control or " +
        "formatting characters, none of : * ? \" < > |, not only dots, no trailing dot, not a device name (CON, NUL, COM1…).";

    /// <summary>
    /// Whether <paramref name="name"/> (trimmed) is a name a user may give a file: one that <see cref="Safe"/> hands out
    /// unchanged, so what is stored is what every download and zip entry says. Unicode letters, emoji and spaces inside
    /// are kept; broken Unicode (an unpaired surrogate) is not.
    /// </summary>
    public static bool IsAcceptableName(string? name)
    {
        var trimmed = (name ?? "").Trim();
        return trimmed.Length > 0 && IsWellFormed(trimmed) && Safe(trimmed) == trimmed;
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    // Safe drops control and formatting characters; an unpaired surrogate is what is left that no UTF-8 name can hold.
    private static bool IsWellFormed(string name)
    {
        try { StrictUtf8.GetByteCount(name); return true; }
        catch (System.Text.EncoderFallbackException) { return false; }
    }

    /// <summary>
    /// The name a file renamed to <paramref name="requested"/> gets: trimmed, and keeping <paramref name="current"/>'s
    /// extension when the new name has none (<c>Beach</c> for <c>IMG_1.HEIC</c> is <c>Beach.HEIC</c>); a name with an
    /// extension of its own is taken as given, even another one (the file's content type does not change with it).
    /// </summary>
    public static string Renamed(string current, string requested)
    {
        var name = requested.Trim();
        return Extension(name).Length > 0 ? name : name + Extension(current);
    }

    /// <summary>
    /// The extension of <paramref name="name"/> with its dot (<c>.HEIC</c>), or <c>""</c>: 1 to 10 ASCII letters and
    /// digits, at least one a letter, after a dot that does not start the name — so <c>Mr. Smith</c>, <c>v1.2</c> and
    /// <c>.profile</c> have none.
    /// </summary>
    public static string Extension(string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0 || name.Length - dot - 1 is < 1 or > 10) return "";
        var ext = name.AsSpan(dot + 1);
        foreach (var c in ext) if (!char.IsAsciiLetterOrDigit(c)) return "";
        return ext.ContainsAnyInRange('A', 'Z') || ext.ContainsAnyInRange('a', 'z') ? name[dot..] : "";
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
