namespace PhotoApi.Persistence;

/// <summary>CSV as the exports write it (RFC 4180: comma-separated, CRLF, fields quoted when they must be).</summary>
public static class Csv
{
    /// <summary>
    /// One field: quoted (quotes doubled) when it holds a comma, quote or line break. Text a spreadsheet would run as a
    /// formula (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return) gets a leading
    /// apostrophe — for text fields only; numbers and dates are written as they are.
    /// </summary>
    public static string Field(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
    }
}
