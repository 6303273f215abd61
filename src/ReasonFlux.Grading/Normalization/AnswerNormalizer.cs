using System.Text;
using ReasonFlux.Grading.Extraction;

namespace ReasonFlux.Grading.Normalization;

/// <summary>An answer after string clean-up: <see cref="Text"/> is ready for the parser; <see cref="Percent"/>
/// records that a percent sign or word was removed.</summary>
internal readonly record struct NormalizedAnswer(string Text, bool Percent);

/// <summary>
/// String-level clean-up shared by gold and prediction (doc §4 rules 2, 5, 7, 8, 9): delimiters and
/// spacing, \left/\right, boxes, degrees, percent, currency, trailing units and punctuation, "and"/"or"
/// lists, \approx. Every pass is a linear scan or an ordinal replace; no backtracking regexes.
/// </summary>
internal static class AnswerNormalizer
{
    private static readonly string[] SizingCommands =
    [
        "\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr",
        "\\bigm", "\\Bigm", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\middle",
    ];

    private static readonly string[] SpacingCommands =
    [
        "\\displaystyle", "\\textstyle", "\\scriptstyle", "\\limits", "\\nolimits", "\\qquad", "\\quad", "\\hfill",
        "\\noindent", "\\enspace", "\\thinspace", "\\negthinspace", "\\nobreak", "\\allowbreak", "\\hspace*", "\\>",
    ];

    /// <summary>Thin spaces vanish: "12\,000" is one number and "x\,dx" is still a product.</summary>
    private static readonly string[] ThinSpaces = ["\\!", "\\,", "\\;", "\\:"];

    private static readonly string[] TextLikeCommands = ["\\text", "\\textnormal", "\\mbox", "\\mathrm", "\\textbf", "\\textit", "\\textrm", "\\hbox"];

    public static NormalizedAnswer Normalize(string raw)
    {
        var s = raw.Trim();
        if (s.Length == 0) return new NormalizedAnswer("", false);
        s = ReplaceUnicode(s);
        s = BoxScanner.UnwrapAll(s);
        s = RemoveSizing(s);
        s = s.Replace("\\$", "", StringComparison.Ordinal)
             .Replace("$", "", StringComparison.Ordinal)
             .Replace("\\(", "", StringComparison.Ordinal)
             .Replace("\\)", "", StringComparison.Ordinal)
             .Replace("\\[", "", StringComparison.Ordinal)
             .Replace("\\]", "", StringComparison.Ordinal);
        s = RemoveHSpace(s);
        s = JoinThousandsSeparators(s);
        s = CollapseDoubledBackslashes(s);
        foreach (var c in ThinSpaces) s = s.Replace(c, "", StringComparison.Ordinal);
        foreach (var c in SpacingCommands) s = s.Replace(c, " ", StringComparison.Ordinal);
        s = RemoveControlSpace(s);
        s = s.Replace('~', ' ').Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
        s = s.Replace("{,}", ",", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal)
             .Replace("...", "\\ldots ", StringComparison.Ordinal);
        s = s.Replace("\\dfrac", "\\frac", StringComparison.Ordinal).Replace("\\tfrac", "\\frac", StringComparison.Ordinal)
             .Replace("\\cfrac", "\\frac", StringComparison.Ordinal)
             .Replace("\\dbinom", "\\binom", StringComparison.Ordinal).Replace("\\tbinom", "\\binom", StringComparison.Ordinal);
        s = RemoveDegrees(s);

        bool percent = false;
        if (s.Contains('%'))
        {
            percent = true;
            s = s.Replace("\\%", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal);
        }
        s = ReplaceConnectives(s);
        s = ApplyApprox(s);
        s = StripTrailingUnits(s, ref percent);
        s = StripPunctuation(s);
        s = MergeSpaceThousands(s);
        s = s.Trim();
        return new NormalizedAnswer(s, percent);
    }

    private static string ReplaceUnicode(string s)
    {
        if (s.All(ch => ch < 128)) return s;
        var sb = new StringBuilder(s.Length + 8);
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '\u2212' or '\u2013' or '\u2014': sb.Append('-'); break;
                case '\u00d7': sb.Append("\\times "); break;
                case '\u00b7' or '\u22c5': sb.Append("\\cdot "); break;
                case '\u00f7': sb.Append('/'); break;
                case '\u03c0': sb.Append("\\pi "); break;
                case '\u221a': sb.Append("\\sqrt"); break;
                case '\u221e': sb.Append("\\infty "); break;
                case '\u2264': sb.Append("\\le "); break;
                case '\u2265': sb.Append("\\ge "); break;
                case '\u2260': sb.Append("\\ne "); break;
                case '\u222a': sb.Append("\\cup "); break;
                case '\u2229': sb.Append("\\cap "); break;
                case '\u2208': sb.Append("\\in "); break;
                case '\u00b1': sb.Append("\\pm "); break;
                case '\u00b0': sb.Append("^\\circ "); break;
                case '\u00b2': sb.Append("^2"); break;
                case '\u00b3': sb.Append("^3"); break;
                case '\u20ac' or '\u00a3' or '\u00a5': break;
                case '\u00a0' or '\u2009' or '\u202f': sb.Append(' '); break;
                case '\u2026': sb.Append("\\ldots "); break;
                default: sb.Append(ch); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>"\\ " (a control space) becomes a space, but "\\\\ " (a row break then a space) stays.</summary>
    private static string RemoveControlSpace(string s)
    {
        if (!s.Contains("\\ ", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                if (s[i + 1] == ' ') { sb.Append(' '); i++; continue; }
                sb.Append(s[i]).Append(s[i + 1]);
                i++;
                continue;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>",\!" is LaTeX's thousands separator even when a space follows ("11,\! 111,\! 100").</summary>
    private static string JoinThousandsSeparators(string s)
    {
        if (!s.Contains(",\\!", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == ',' && i + 2 < s.Length && s[i + 1] == '\\' && s[i + 2] == '!')
            {
                sb.Append(',');
                i += 2;
                while (i + 1 < s.Length && s[i + 1] == ' ') i++;
                continue;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>A doubled backslash before a letter ("\\frac" from an over-escaped string) is one backslash,
    /// except inside environments where "\\" separates rows.</summary>
    private static string CollapseDoubledBackslashes(string s)
    {
        if (!s.Contains("\\\\", StringComparison.Ordinal) || s.Contains("\\begin", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 2 < s.Length && s[i + 1] == '\\' && char.IsAsciiLetter(s[i + 2]))
            {
                sb.Append('\\');
                i++;
                continue;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>\left( -> (, \left. -> nothing, \bigl[ -> [.</summary>
    private static string RemoveSizing(string s)
    {
        if (!s.Contains("\\left", StringComparison.Ordinal) && !s.Contains("\\right", StringComparison.Ordinal)
            && !s.Contains("\\big", StringComparison.OrdinalIgnoreCase) && !s.Contains("\\middle", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] == '\\')
            {
                string? match = null;
                foreach (var cmd in SizingCommands)
                {
                    if (string.CompareOrdinal(s, i, cmd, 0, cmd.Length) == 0
                        && (i + cmd.Length >= s.Length || !char.IsAsciiLetter(s[i + cmd.Length])))
                    {
                        match = cmd;
                        break;
                    }
                }
                if (match is not null)
                {
                    i += match.Length;
                    while (i < s.Length && s[i] == ' ') i++;
                    if (i < s.Length && s[i] == '.') i++; // \left. and \right. are invisible
                    continue;
                }
            }
            sb.Append(s[i]);
            i++;
        }
        return sb.ToString();
    }

    private static string RemoveHSpace(string s)
    {
        int at;
        while ((at = s.IndexOf("\\hspace", StringComparison.Ordinal)) >= 0)
        {
            int open = s.IndexOf('{', at);
            int close = open >= 0 ? Parsing.LatexTokenizer.FindClosingBrace(s, open) : -1;
            if (close < 0) { s = s.Remove(at, "\\hspace".Length); continue; }
            s = s.Remove(at, close - at + 1).Insert(at, " ");
        }
        return s;
    }

    private static string RemoveDegrees(string s)
    {
        if (!s.Contains("circ", StringComparison.Ordinal) && !s.Contains("degree", StringComparison.Ordinal)) return s;
        return s.Replace("^{\\circ}", " ", StringComparison.Ordinal)
                .Replace("^{ \\circ }", " ", StringComparison.Ordinal)
                .Replace("^\\circ", " ", StringComparison.Ordinal)
                .Replace("{}^\\circ", " ", StringComparison.Ordinal)
                .Replace("^{\\degree}", " ", StringComparison.Ordinal)
                .Replace("^\\degree", " ", StringComparison.Ordinal)
                .Replace("\\degree", " ", StringComparison.Ordinal)
                .Replace("\\circ", " ", StringComparison.Ordinal);
    }

    /// <summary>"12 and 13", "\text{ and }", "x or y" become comma lists.</summary>
    private static string ReplaceConnectives(string s)
    {
        if (!s.Contains("and", StringComparison.Ordinal) && !s.Contains("or", StringComparison.Ordinal)) return s;
        foreach (var cmd in TextLikeCommands)
        {
            foreach (var word in (ReadOnlySpan<string>)["and", "or"])
            {
                s = s.Replace(cmd + "{ " + word + " }", ",", StringComparison.Ordinal)
                     .Replace(cmd + "{" + word + " }", ",", StringComparison.Ordinal)
                     .Replace(cmd + "{ " + word + "}", ",", StringComparison.Ordinal)
                     .Replace(cmd + "{" + word + "}", ",", StringComparison.Ordinal);
            }
        }
        // Bare words: only whole words surrounded by spaces or a comma, never inside \text{Anderson}.
        s = ReplaceWord(s, "and");
        s = ReplaceWord(s, "or");
        return s.Replace(", ,", ",", StringComparison.Ordinal).Replace(",,", ",", StringComparison.Ordinal);
    }

    private static string ReplaceWord(string s, string word)
    {
        int from = 0;
        while (true)
        {
            int at = s.IndexOf(word, from, StringComparison.Ordinal);
            if (at < 0) return s;
            bool leftOk = at > 0 && (s[at - 1] == ' ' || s[at - 1] == ',');
            int end = at + word.Length;
            bool rightOk = end < s.Length && s[end] == ' ';
            if (leftOk && rightOk && !InsideBraces(s, at))
            {
                s = s[..at] + "," + s[end..];
                from = at + 1;
            }
            else from = at + word.Length;
        }
    }

    private static bool InsideBraces(string s, int at)
    {
        int depth = 0;
        for (int k = 0; k < at; k++)
        {
            if (s[k] == '{') depth++;
            else if (s[k] == '}') depth--;
        }
        return depth > 0;
    }

    /// <summary>"x = 1/3 \approx 0.33" keeps the exact part; "x \approx 11" reads as "x = 11".</summary>
    private static string ApplyApprox(string s)
    {
        int at = s.IndexOf("\\approx", StringComparison.Ordinal);
        if (at < 0) return s;
        if (s.LastIndexOf('=', at) >= 0) return s[..at];
        return s[..at] + "=" + s[(at + "\\approx".Length)..];
    }

    /// <summary>Drops trailing \text{ cm}^2-style groups and unit words that follow a number.</summary>
    private static string StripTrailingUnits(string s, ref bool percent)
    {
        for (int guard = 0; guard < 6; guard++)
        {
            var trimmed = s.TrimEnd().TrimEnd('.', ',', ';').TrimEnd();
            trimmed = StripTrailingPower(trimmed, out _);
            if (TryStripTrailingTextGroup(trimmed, out var rest, out var content) && IsStrippablePrefix(rest))
            {
                var c = content.Trim();
                if (UnitWords.PercentWords.Contains(c)) percent = true;
                if (c.Length == 0 || IsUnitText(c))
                {
                    s = rest;
                    continue;
                }
            }
            if (TryStripTrailingUnitWords(trimmed, ref percent, out rest))
            {
                s = rest;
                continue;
            }
            break;
        }
        return s;
    }

    /// <summary>"64 square feet", "5 m", "28 percent": trailing unit words after something numeric.</summary>
    private static bool TryStripTrailingUnitWords(string s, ref bool percent, out string rest)
    {
        rest = s;
        var current = s;
        bool sawPercent = false;
        int words = 0;
        while (TryStripTrailingWord(current, out var before, out var word))
        {
            bool afterSpace = before.Length > 0 && before[^1] == ' ';
            var beforeTrim = before.TrimEnd();
            bool isPercent = UnitWords.PercentWords.Contains(word);
            bool isUnit = (UnitWords.Words.Contains(word) && word.Length > 1)
                          // "5 m" loses its unit, "3s" keeps its variable.
                          || (UnitWords.SingleLetterUnits.Contains(word) && afterSpace && beforeTrim.Length > 0 && char.IsAsciiDigit(beforeTrim[^1]));
            if (!isPercent && !isUnit) break;
            sawPercent |= isPercent;
            words++;
            current = beforeTrim;
            if (current.Length > 0 && (char.IsAsciiDigit(current[^1]) || current[^1] is '}' or ')'))
            {
                if (!IsStrippablePrefix(current)) return false;
                if (sawPercent) percent = true;
                rest = current;
                return true;
            }
            if (!afterSpace && !char.IsAsciiDigit(before.Length > 0 ? before[^1] : ' ')) break;
        }
        return false;
    }

    private static string StripTrailingPower(string s, out string? power)
    {
        power = null;
        foreach (var p in (ReadOnlySpan<string>)["^{2}", "^{3}", "^2", "^3"])
        {
            if (s.EndsWith(p, StringComparison.Ordinal))
            {
                var rest = s[..^p.Length];
                if (rest.EndsWith('}') || (rest.Length > 0 && char.IsAsciiLetter(rest[^1])))
                {
                    power = p;
                    return rest;
                }
            }
        }
        return s;
    }

    private static bool TryStripTrailingTextGroup(string s, out string rest, out string content)
    {
        rest = s;
        content = "";
        if (!s.EndsWith('}')) return false;
        // Find the matching open brace of the final group.
        int depth = 0, open = -1;
        for (int k = s.Length - 1; k >= 0; k--)
        {
            if (s[k] == '}' && (k == 0 || s[k - 1] != '\\')) depth++;
            else if (s[k] == '{' && (k == 0 || s[k - 1] != '\\'))
            {
                if (--depth == 0) { open = k; break; }
            }
        }
        if (open <= 0) return false;
        foreach (var cmd in TextLikeCommands)
        {
            int start = open - cmd.Length;
            if (start >= 0 && string.CompareOrdinal(s, start, cmd, 0, cmd.Length) == 0)
            {
                rest = s[..start];
                content = s.Substring(open + 1, s.Length - open - 2);
                return true;
            }
        }
        return false;
    }

    private static bool IsUnitText(string content)
    {
        // "cm", "square units", "m/s", "cm^2", "miles per hour": words of letters, no digits or math.
        foreach (var ch in content)
        {
            if (!(char.IsAsciiLetter(ch) || ch is ' ' or '/' or '^' or '.' or '-')) return false;
        }
        return content.Any(char.IsAsciiLetter);
    }

    private static bool TryStripTrailingWord(string s, out string rest, out string word)
    {
        int end = s.Length;
        int k = end;
        while (k > 0 && char.IsAsciiLetter(s[k - 1])) k--;
        rest = s[..k];
        word = s[k..];
        if (word.Length == 0) return false;
        if (k > 0 && s[k - 1] == '\\') return false; // a command such as \pi
        return true;
    }

    /// <summary>A unit may only be dropped when something that can carry it comes first.</summary>
    private static bool IsStrippablePrefix(string rest)
    {
        var r = rest.TrimEnd();
        if (r.Length == 0) return false;
        char last = r[^1];
        return !(last is '=' or '+' or '-' or ',' or '(' or '[' or '{' or '<' or '>' or '&' or '\\' or '^' or '_' or '*' or '/');
    }

    private static string StripPunctuation(string s)
    {
        s = s.Trim();
        while (true)
        {
            var before = s;
            if (s.EndsWith("\\\\", StringComparison.Ordinal)) s = s[..^2].TrimEnd();
            if (s.Length > 0 && s[^1] is '.' or ',' or ';' or ':' or '!' && !(s[^1] == '!' && s.Length > 1 && (char.IsAsciiDigit(s[^2]) || s[^2] == ')')))
            {
                // Keep "\ldots"-free lists intact: "1, 2, 3, ..." ends with dots that matter.
                if (s[^1] == '.' && s.EndsWith("...", StringComparison.Ordinal)) break;
                s = s[..^1].TrimEnd();
            }
            if (s.StartsWith(':') || s.StartsWith('=')) s = s[1..].TrimStart();
            if (s == before) break;
        }
        return s;
    }

    /// <summary>"1 000" and "12 345 678" are one number when the whole answer is such a grouping (or the whole part of a mixed number, "1 000 4/9").</summary>
    private static string MergeSpaceThousands(string s)
    {
        if (s.Length < 5 || !s.Contains(' ')) return s;
        int i = 0;
        if (s[0] == '-') i++;
        int first = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; first++; }
        if (first is < 1 or > 3) return s;
        int groups = 0;
        while (i < s.Length && s[i] == ' ')
        {
            bool group = i + 3 < s.Length && char.IsAsciiDigit(s[i + 1]) && char.IsAsciiDigit(s[i + 2]) && char.IsAsciiDigit(s[i + 3])
                && (i + 4 == s.Length || s[i + 4] is ' ' or '.');
            if (!group) break;
            i += 4;
            groups++;
        }
        if (groups == 0) return s;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i == s.Length) return s.Replace(" ", "", StringComparison.Ordinal);
        // "1 000 4/9": the grouped whole part of a mixed number.
        int j = i + 1;
        if (s[i] != ' ' || j >= s.Length || !char.IsAsciiDigit(s[j])) return s;
        while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        if (j + 1 >= s.Length || s[j] != '/' || !char.IsAsciiDigit(s[j + 1])) return s;
        j++;
        while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        return j == s.Length ? s[..i].Replace(" ", "", StringComparison.Ordinal) + s[i..] : s;
    }
}
