namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Finds whole numbers in prose, for the "last number" fallbacks. A token is never a fragment: it keeps a
/// leading '.' (".4"), decimal and thousands separators ("1,000.99", "7,425,000", "2,74", "1 000"), a
/// "/" fraction ("2/3"), a mixed number ("4 4/9"), an exponent ("2^{10}") and a percent sign; a numeric
/// \frac{10}{9} is one token, and the digits inside a non-numeric \frac{x}{2} are none. Digits glued to
/// letters before them ("AZYUK2A", "x2") or inside a subscript/superscript of something else are not numbers.
/// </summary>
internal static class NumberTokenScanner
{
    private static readonly string[] FracCommands = ["\\frac", "\\dfrac", "\\tfrac", "\\cfrac"];

    /// <summary>Longest first, so "percentage" is not read as "percent" + "age".</summary>
    private static readonly string[] PercentWords = ["percentage", "percent", "pct"];

    /// <summary>The last whole number of <paramref name="text"/> and the index just past it.</summary>
    public static bool TryLast(string text, out string number, out int endIndex)
    {
        number = "";
        endIndex = -1;
        foreach (var (start, end) in Tokens(text))
        {
            number = text[start..end];
            endIndex = end;
        }
        return endIndex >= 0;
    }

    /// <summary>
    /// True when two whole numbers are separated by nothing but whitespace ("4 4/9 2", "11\n5/6"): a list of
    /// numbers, which must not be read as their implicit product. "7 \frac{3}{4}" is a mixed number, not a list.
    /// </summary>
    public static bool HasAdjacentNumbers(string text)
    {
        int previousStart = -1, previousEnd = -1;
        foreach (var (start, end) in Tokens(text))
        {
            bool mixedLatex = text[start] == '\\' && previousStart >= 0 && text.AsSpan(previousStart, previousEnd - previousStart).TrimStart("+-").ContainsAnyExcept("0123456789") is false;
            if (previousEnd >= 0 && start > previousEnd && string.IsNullOrWhiteSpace(text[previousEnd..start]) && !mixedLatex) return true;
            previousStart = start;
            previousEnd = end;
        }
        return false;
    }

    /// <summary>Every whole number of <paramref name="text"/> as (start, end) in order; start includes a sign.</summary>
    public static IEnumerable<(int Start, int End)> Tokens(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\\')
            {
                if (TryFrac(text, i, out int fracEnd, out bool numeric))
                {
                    if (numeric) yield return (SignedStart(text, i), fracEnd);
                    i = fracEnd;
                    continue;
                }
                i++;
                while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
                continue;
            }
            bool leadingDot = text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && (i == 0 || !char.IsAsciiDigit(text[i - 1]));
            if (!char.IsAsciiDigit(text[i]) && !leadingDot) { i++; continue; }
            int end = ReadNumber(text, i);
            if (IsAttached(text, i))
            {
                // An identifier ("x2", "AZYUK2A") or an index/exponent ("x_1", "x^2"): skip the whole run.
                while (end < text.Length && char.IsAsciiLetterOrDigit(text[end])) end++;
                i = end;
                continue;
            }
            yield return (SignedStart(text, i), end);
            i = end;
        }
    }

    private static bool IsAttached(string text, int start)
    {
        if (start == 0) return false;
        char before = text[start - 1];
        if (char.IsAsciiLetter(before) || before is '_' or '^') return true;
        // "x_{12}" / "x^{12}": digits right after an opening brace of a sub/superscript.
        return before == '{' && start >= 2 && text[start - 2] is '_' or '^';
    }

    /// <summary>Where the token starts with a directly preceding sign ("-5", "+11 5/6", but not the "-" of "5-3").</summary>
    private static int SignedStart(string text, int start)
    {
        if (start > 0 && text[start - 1] is '-' or '+' && (start == 1 || !char.IsAsciiLetterOrDigit(text[start - 2]) && text[start - 2] is not ')' and not '}'))
            return start - 1;
        return start;
    }

    /// <summary>Reads one number starting at a digit or a leading '.'; returns the index just past it.</summary>
    private static int ReadNumber(string text, int start)
    {
        int j = start;
        if (text[j] == '.') j++;
        j = Digits(text, j);
        bool integerOnly = text[start] != '.';
        int firstGroup = j - start;
        // Space thousands ("1 000", "12 345 678"): only after a 1-3 digit head, in exact 3-digit groups.
        while (integerOnly && firstGroup <= 3 && j < text.Length && text[j] == ' ' && IsGroup(text, j + 1)) j += 4;
        // Decimal, comma and colon separators followed by digits stay in the token ("1,000.99", "2,74", "12:00").
        while (j + 1 < text.Length && text[j] is ',' or '.' or ':' && char.IsAsciiDigit(text[j + 1]))
        {
            if (text[j] == '.') integerOnly = false;
            j = Digits(text, j + 1);
        }
        // Mixed number "4 4/9" (same line, an integer head).
        if (integerOnly && j + 1 < text.Length && text[j] == ' ' && char.IsAsciiDigit(text[j + 1]))
        {
            int k = Digits(text, j + 1);
            if (k + 1 < text.Length && text[k] == '/' && char.IsAsciiDigit(text[k + 1])) j = Digits(text, k + 1);
        }
        else if (j + 1 < text.Length && text[j] == '/' && char.IsAsciiDigit(text[j + 1]))
        {
            j = Digits(text, j + 1);
        }
        // Exponent: "2^{10}", "3^4".
        if (j + 1 < text.Length && text[j] == '^')
        {
            if (char.IsAsciiDigit(text[j + 1])) j = Digits(text, j + 1);
            else if (text[j + 1] == '{')
            {
                int k = Digits(text, j + 2);
                if (k > j + 2 && k < text.Length && text[k] == '}') j = k + 1;
            }
        }
        // Percent: "28%", "28 %", "28\%".
        int p = j;
        while (p < text.Length && text[p] == ' ') p++;
        if (p < text.Length && text[p] == '%') j = p + 1;
        else if (p + 1 < text.Length && text[p] == '\\' && text[p + 1] == '%') j = p + 2;
        else
        {
            foreach (var word in PercentWords)
            {
                if (string.Compare(text, p, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) != 0) continue;
                if (p + word.Length < text.Length && char.IsAsciiLetter(text[p + word.Length])) continue;
                j = p + word.Length;
                break;
            }
        }
        return j;
    }

    private static bool IsGroup(string text, int at) =>
        at + 2 < text.Length && char.IsAsciiDigit(text[at]) && char.IsAsciiDigit(text[at + 1]) && char.IsAsciiDigit(text[at + 2])
        && (at + 3 >= text.Length || !char.IsAsciiDigit(text[at + 3]) && text[at + 3] != '/');

    private static int Digits(string text, int j)
    {
        while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
        return j;
    }

    /// <summary>
    /// A \frac (or \dfrac, \tfrac, \cfrac) at <paramref name="at"/>: its end, and whether both parts are plain
    /// numbers ("\frac{10}{9}", "\frac12", "\frac{-3}{4}"). False when <paramref name="at"/> is not a fraction command.
    /// </summary>
    private static bool TryFrac(string text, int at, out int end, out bool numeric)
    {
        end = at;
        numeric = false;
        string? command = null;
        foreach (var c in FracCommands)
            if (string.CompareOrdinal(text, at, c, 0, c.Length) == 0 && (at + c.Length >= text.Length || !char.IsAsciiLetter(text[at + c.Length]))) { command = c; break; }
        if (command is null) return false;
        int j = at + command.Length;
        bool allNumeric = true;
        for (int part = 0; part < 2; part++)
        {
            while (j < text.Length && text[j] == ' ') j++;
            if (j >= text.Length) { end = j; return true; }
            string content;
            if (text[j] == '{')
            {
                int depth = 0, k = j;
                for (; k < text.Length; k++)
                {
                    if (text[k] == '{') depth++;
                    else if (text[k] == '}' && --depth == 0) break;
                }
                if (k >= text.Length) { end = text.Length; return true; }
                content = text[(j + 1)..k];
                j = k + 1;
            }
            else
            {
                content = text[j].ToString();
                j++;
            }
            allNumeric &= IsPlainNumber(content);
        }
        end = j;
        numeric = allNumeric;
        return true;
    }

    private static bool IsPlainNumber(string s)
    {
        s = s.Trim();
        if (s.StartsWith('-')) s = s[1..].TrimStart();
        if (s.Length == 0) return false;
        int dots = 0;
        foreach (var ch in s)
        {
            if (ch == '.') { if (++dots > 1) return false; }
            else if (!char.IsAsciiDigit(ch)) return false;
        }
        return s != ".";
    }
}
