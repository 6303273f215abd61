using ReasonFlux.Grading.Numerics;

using System.Text;

namespace ReasonFlux.Grading.Parsing;

/// <summary>
/// Splits a normalised answer into tokens in one linear pass. Numbers absorb properly formatted thousands
/// separators (7,425,000) but not a comma followed by a space (32, 349 is a list).
/// </summary>
internal static class LatexTokenizer
{
    private static readonly HashSet<string> TextCommands = new(StringComparer.Ordinal)
    {
        "text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal", "mbox", "mathrm", "mathit", "mathbf",
        "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "boldsymbol", "bm", "operatorname", "textup", "emph", "hbox",
    };

    /// <summary>Words read as one token; other letter runs of length 1-2 become single letters.</summary>
    internal static readonly HashSet<string> KnownWords = new(StringComparer.Ordinal)
    {
        "sqrt", "pi", "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "asin", "acos", "atan", "exp", "log", "ln", "lg", "abs", "inf", "infty", "infinity", "oo", "and", "or", "mod", "gcd", "lcm",
        "floor", "ceil", "max", "min", "det", "cbrt", "root",
    };

    public static List<LatexToken> Tokenize(string s)
    {
        var tokens = new List<LatexToken>(s.Length / 2 + 4);
        int i = 0;
        bool space = false;
        int bracketDepth = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c)) { space = true; i++; continue; }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]) && (i == 0 || !char.IsAsciiDigit(s[i - 1]))))
            {
                tokens.Add(new LatexToken(TokenKind.Number, ReadNumber(s, ref i, bracketDepth == 0), space));
            }
            else if (char.IsAsciiLetter(c))
            {
                int start = i;
                while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
                AddLetterRun(tokens, s.AsSpan(start, i - start), space);
            }
            else if (c == '\\')
            {
                int before = tokens.Count;
                ReadBackslash(s, ref i, tokens, space);
                var last = tokens.Count > before ? tokens[^1] : default;
                if (last.Is("\\{") || last.IsCommand("langle")) bracketDepth++;
                else if (last.Is("\\}") || last.IsCommand("rangle")) bracketDepth = Math.Max(0, bracketDepth - 1);
            }
            else if (c == '*' && i + 1 < s.Length && s[i + 1] == '*')
            {
                tokens.Add(new LatexToken(TokenKind.Symbol, "^", space));
                i += 2;
            }
            else
            {
                if (c is '(' or '[') bracketDepth++;
                else if (c is ')' or ']') bracketDepth = Math.Max(0, bracketDepth - 1);
                tokens.Add(new LatexToken(TokenKind.Symbol, c.ToString(), space));
                i++;
            }
            space = false;
        }
        tokens.Add(new LatexToken(TokenKind.End, "", space));
        return tokens;
    }

    private static string ReadNumber(string s, ref int i, bool allowThousands)
    {
        var sb = new StringBuilder();
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) sb.Append(s[i++]);
        // Thousands: a first group of 1-3 digits (not starting with 0), then ",ddd" groups with no space.
        // Inside brackets "(1,100)" is a pair, so merging only happens at bracket depth 0.
        int groupLen = i - start;
        if (allowThousands && groupLen is >= 1 and <= 3 && s[start] != '0')
        {
            while (i < s.Length && s[i] == ',' && HasDigits(s, i + 1, 3) && (i + 4 >= s.Length || !char.IsAsciiDigit(s[i + 4])))
            {
                sb.Append(s, i + 1, 3);
                i += 4;
            }
        }
        if (i < s.Length && s[i] == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
        {
            sb.Append('.');
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) sb.Append(s[i++]);
        }
        // Scientific notation 1.5e-4 / 2E+3: only with a decimal point or an explicit exponent sign, so 2e stays 2*e.
        if (i + 1 < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            int j = i + 1;
            bool signed = s[j] == '+' || s[j] == '-';
            if (signed) j++;
            if (j < s.Length && char.IsAsciiDigit(s[j]) && (signed || sb.ToString().Contains('.')))
            {
                int k = j;
                while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
                if (k >= s.Length || !char.IsAsciiLetter(s[k]))
                {
                    sb.Append('e').Append(s, i + 1, k - i - 1);
                    i = k;
                }
            }
        }
        return sb.ToString();
    }

    private static bool HasDigits(string s, int from, int count)
    {
        if (from + count > s.Length) return false;
        for (int k = from; k < from + count; k++) if (!char.IsAsciiDigit(s[k])) return false;
        return true;
    }

    private static void AddLetterRun(List<LatexToken> tokens, ReadOnlySpan<char> run, bool space)
    {
        var word = run.ToString();
        if (run.Length == 1) { tokens.Add(new LatexToken(TokenKind.Letter, word, space)); return; }
        var lower = word.ToLowerInvariant();
        if (KnownWords.Contains(lower) && (lower == word || lower is "and" or "or" or "infinity"))
        {
            tokens.Add(new LatexToken(TokenKind.Word, lower, space));
            return;
        }
        // "sinx", "sqrtx", "lnx": a known function glued to a short argument.
        foreach (var fn in (ReadOnlySpan<string>)["arcsin", "arccos", "arctan", "sqrt", "sin", "cos", "tan", "log", "ln", "exp", "sec", "csc", "cot"])
        {
            if (word.StartsWith(fn, StringComparison.Ordinal) && word.Length - fn.Length is 1 or 2)
            {
                tokens.Add(new LatexToken(TokenKind.Word, fn, space));
                foreach (var ch in word.AsSpan(fn.Length)) tokens.Add(new LatexToken(TokenKind.Letter, ch.ToString(), false));
                return;
            }
        }
        if (run.Length >= 3) { tokens.Add(new LatexToken(TokenKind.Word, word, space)); return; }
        for (int k = 0; k < run.Length; k++) tokens.Add(new LatexToken(TokenKind.Letter, run[k].ToString(), k == 0 && space));
    }

    private static void ReadBackslash(string s, ref int i, List<LatexToken> tokens, bool space)
    {
        if (i + 1 >= s.Length) { i++; return; }
        char n = s[i + 1];
        if (!char.IsAsciiLetter(n))
        {
            i += 2;
            switch (n)
            {
                case '\\': tokens.Add(new LatexToken(TokenKind.Symbol, "\\\\", space)); break;
                case '{': tokens.Add(new LatexToken(TokenKind.Symbol, "\\{", space)); break;
                case '}': tokens.Add(new LatexToken(TokenKind.Symbol, "\\}", space)); break;
                case '|': tokens.Add(new LatexToken(TokenKind.Symbol, "\\|", space)); break;
                case '%': tokens.Add(new LatexToken(TokenKind.Symbol, "%", space)); break;
                default: break; // \, \; \! \  and friends are spacing
            }
            return;
        }
        int start = i + 1;
        int j = start;
        while (j < s.Length && char.IsAsciiLetter(s[j])) j++;
        var name = s.Substring(start, j - start);
        i = j;
        if (TextCommands.Contains(name) || name is "begin" or "end")
        {
            int k = i;
            while (k < s.Length && s[k] == ' ') k++;
            if (k < s.Length && s[k] == '{')
            {
                int close = FindClosingBrace(s, k);
                if (close < 0) throw new MathParseException("unbalanced braces after \\" + name);
                var content = s.Substring(k + 1, close - k - 1);
                i = close + 1;
                var kind = name == "begin" ? TokenKind.Begin : name == "end" ? TokenKind.EndEnv : TokenKind.TextGroup;
                tokens.Add(new LatexToken(kind, content, space, name));
                return;
            }
            if (name is "begin" or "end") throw new MathParseException("\\" + name + " without an environment name");
            // \mathbf x: applies to the next single token; treat the command as transparent.
            return;
        }
        tokens.Add(new LatexToken(TokenKind.Command, name, space));
    }

    /// <summary>Index of the brace closing the one at <paramref name="open"/>, or -1.</summary>
    internal static int FindClosingBrace(string s, int open)
    {
        int depth = 0;
        for (int k = open; k < s.Length; k++)
        {
            char ch = s[k];
            if (ch == '\\') { k++; continue; }
            if (ch == '{') depth++;
            else if (ch == '}' && --depth == 0) return k;
        }
        return -1;
    }
}
