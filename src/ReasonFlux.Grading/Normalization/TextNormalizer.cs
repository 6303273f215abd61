using System.Text;

namespace ReasonFlux.Grading.Parsing;

/// <summary>Canonical form for free-text answers: lower case, no spaces, braces, text wrappers or end punctuation.</summary>
internal static class TextNormalizer
{
    public static string Canonical(string text)
    {
        var s = text.Replace("\\text", "", StringComparison.Ordinal)
                    .Replace("\\mathrm", "", StringComparison.Ordinal)
                    .Replace("\\textbf", "", StringComparison.Ordinal)
                    .Replace("\\mbox", "", StringComparison.Ordinal);
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (char.IsWhiteSpace(ch) || ch is '{' or '}' or '\\' or '"' or '$') continue;
            sb.Append(char.ToLowerInvariant(ch));
        }
        while (sb.Length > 0 && sb[^1] is '.' or ',' or ';' or '!') sb.Length--;
        return sb.ToString();
    }
}
