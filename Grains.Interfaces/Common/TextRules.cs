using System.Globalization;

namespace Ootd.Grains.Common;

/// <summary>
/// The one rule for characters in user text, applied by the API to every text field of every route (JSON bodies,
/// form fields, query parameters) and again by the grains: no control characters (Unicode category Cc, e.g. NUL
/// U+0000, ESC, DEL) except tab, line feed and carriage return, and no unpaired surrogates (text that is not valid
/// Unicode). PostgreSQL cannot store NUL in text at all; the other control characters are refused so that stored
/// text never carries invisible terminal or protocol bytes.
/// </summary>
public static class TextRules
{
    /// <summary>The position of the first character the rule refuses, or -1 when the text is acceptable.</summary>
    public static int FindForbidden(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                return i;
            }

            if (char.IsLowSurrogate(c)) return i;
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r')) return i;
        }

        return -1;
    }

    public static bool IsAcceptable(string? text) => text is null || FindForbidden(text) < 0;

    /// <summary>Null when the text is acceptable, else why not, in the caller's words (names the character and where).</summary>
    public static string? Check(string? text)
    {
        if (text is null) return null;
        var at = FindForbidden(text);
        if (at < 0) return null;
        var c = text[at];
        var what = char.IsSurrogate(c)
            ? "an incomplete Unicode character (unpaired surrogate)"
            : string.Create(CultureInfo.InvariantCulture, $"the control character U+{(int)c:X4}");
        return $"contains {what} at position {at + 1}; control characters other than tab and line breaks are not accepted";
    }
}
