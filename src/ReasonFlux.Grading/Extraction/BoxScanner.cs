using System.Text;

namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Finds \boxed{...} / \fbox{...} with brace matching. The last box wins; an unterminated final box means
/// no answer (no fallback to an earlier box, marin PR #9163); boxes that sit next to each other
/// ("\boxed{-2} and \boxed{1}") form one list, boxes separated by prose do not (Math-Verify 0.4.1).
/// </summary>
internal static class BoxScanner
{
    private static readonly string[] Commands = ["\\boxed", "\\fbox"];

    /// <summary>Outcome of looking for the final box.</summary>
    internal enum Status { None, Found, Unterminated }

    /// <summary>The content of the final box (joined with adjacent ones), or why there is none.</summary>
    public static Status TryExtractLast(string text, out string content)
    {
        content = "";
        int start = LastCommand(text, text.Length, out int nameLength);
        if (start < 0) return Status.None;
        if (!TryReadBox(text, start, nameLength, out var first, out int end)) return Status.Unterminated;
        _ = end;
        var parts = new List<string> { first.Trim() };
        int boundary = start;
        // Walk left over boxes that are only separated by commas, "and"/"or", dollars or spacing.
        for (int guard = 0; guard < 32; guard++)
        {
            int prev = LastCommand(text, boundary, out int prevNameLength);
            if (prev < 0) break;
            if (!TryReadBox(text, prev, prevNameLength, out var prevContent, out int prevEnd) || prevEnd > boundary) break;
            var gap = text.AsSpan(prevEnd, boundary - prevEnd);
            if (!IsJoiningGap(gap)) break;
            parts.Insert(0, prevContent.Trim());
            boundary = prev;
        }
        var distinct = new List<string>();
        foreach (var p in parts) if (!distinct.Contains(p, StringComparer.Ordinal)) distinct.Add(p);
        content = string.Join(", ", distinct);
        return Status.Found;
    }

    /// <summary>Replaces every box by its content: "x = \boxed{5}" becomes "x = 5".</summary>
    public static string UnwrapAll(string text)
    {
        if (!text.Contains("\\boxed", StringComparison.Ordinal) && !text.Contains("\\fbox", StringComparison.Ordinal)) return text;
        for (int guard = 0; guard < 64; guard++)
        {
            int start = LastCommand(text, text.Length, out int nameLength);
            if (start < 0) break;
            if (!TryReadBox(text, start, nameLength, out var content, out int end))
            {
                text = text.Remove(start, nameLength);
                continue;
            }
            text = string.Concat(text.AsSpan(0, start), content, text.AsSpan(end));
        }
        return text;
    }

    /// <summary>Start of the last \boxed or \fbox that begins before <paramref name="before"/>.</summary>
    private static int LastCommand(string text, int before, out int nameLength)
    {
        int best = -1;
        nameLength = 0;
        foreach (var cmd in Commands)
        {
            int searchFrom = before - 1;
            while (searchFrom >= 0)
            {
                int at = text.LastIndexOf(cmd, searchFrom, StringComparison.Ordinal);
                if (at < 0) break;
                int after = at + cmd.Length;
                // \boxed must not be a prefix of a longer command name.
                if (after < text.Length && char.IsAsciiLetter(text[after])) { searchFrom = at - 1; continue; }
                if (at > best) { best = at; nameLength = cmd.Length; }
                break;
            }
        }
        return best;
    }

    /// <summary>Reads "{...}" (brace matched, whitespace allowed before it) or the "\boxed 5" form.</summary>
    private static bool TryReadBox(string text, int start, int nameLength, out string content, out int end)
    {
        int i = start + nameLength;
        while (i < text.Length && (text[i] == ' ' || text[i] == '\t')) i++;
        content = "";
        end = i;
        if (i < text.Length && text[i] == '{')
        {
            int close = Parsing.LatexTokenizer.FindClosingBrace(text, i);
            if (close < 0) return false;
            content = text.Substring(i + 1, close - i - 1);
            end = close + 1;
            return true;
        }
        if (i == start + nameLength) return false; // "\boxedx": not a box
        // "\boxed 5": up to the next '$' or line end (lm-eval, verl).
        int j = i;
        while (j < text.Length && text[j] != '$' && text[j] != '\n') j++;
        content = text[i..j].Trim();
        end = j;
        return content.Length > 0;
    }

    private static bool IsJoiningGap(ReadOnlySpan<char> gap)
    {
        if (gap.Length >= 70) return false;
        var s = new StringBuilder(gap.Length);
        s.Append(gap);
        var t = s.ToString()
            .Replace("\\text{and}", " ", StringComparison.Ordinal).Replace("\\text{ and }", " ", StringComparison.Ordinal)
            .Replace("\\text{or}", " ", StringComparison.Ordinal).Replace("\\text{ or }", " ", StringComparison.Ordinal)
            .Replace("\\quad", " ", StringComparison.Ordinal).Replace("\\qquad", " ", StringComparison.Ordinal)
            .Replace("\\[", " ", StringComparison.Ordinal).Replace("\\]", " ", StringComparison.Ordinal)
            .Replace("\\(", " ", StringComparison.Ordinal).Replace("\\)", " ", StringComparison.Ordinal)
            .Replace("\\,", " ", StringComparison.Ordinal).Replace("\\;", " ", StringComparison.Ordinal);
        foreach (var word in t.Split([' ', '\n', '\t', '\r', '$', ',', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word is not ("and" or "or")) return false;
        }
        return true;
    }
}
