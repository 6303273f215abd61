using ReasonFlux.Grading.Equivalence;
using ReasonFlux.Grading.Numerics;
using ReasonFlux.Grading.Parsing;

namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Answer mode: the prediction is an answer ("7,425,000", "\frac{10}{9}", "$x \leq 5$", "The answer is 4 4/9."),
/// not a chain-of-thought response. Taken in order: the whole text when it reads as mathematics (one enclosing
/// $…$, $$…$$, \(…\) or \[…\] removed); else the last math span (read the same way once more: its last number
/// when it holds prose) or the last whole number (<see cref="NumberTokenScanner"/>: never a fragment of a fraction,
/// decimal or thousands group), whichever ends later; else the whole text, compared as text ("Evelyn").
/// </summary>
public static class BareAnswerExtractor
{
    /// <summary>Words that are mathematics, not prose, when they appear outside LaTeX commands ("sqrt(2)", "infinity").</summary>
    private static readonly HashSet<string> MathWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "sqrt", "cbrt", "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
        "log", "exp", "infty", "infinity", "frac", "dfrac", "tfrac", "floor", "ceil", "binom", "choose", "percent", "percentage",
        "ln", "lg", "pi", "mod", "gcd", "lcm", "max", "min", "det", "deg", "and", "or", "pct", "inf",
    };

    /// <summary>LaTeX commands whose braced argument is words, not mathematics (units, names, styling).</summary>
    private static readonly string[] TextArgumentCommands = ["\\text", "\\textnormal", "\\textbf", "\\textit", "\\textrm", "\\mbox", "\\mathrm", "\\mathbf", "\\operatorname", "\\begin", "\\end"];

    /// <summary>The answer to compare, and which rule chose it.</summary>
    public static ExtractionResult Extract(string prediction, GradingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        options ??= GradingOptions.Default;
        var text = prediction.Trim();
        if (text.Length == 0) return ExtractionResult.Missing(GradeReason.NoAnswer);
        return Extract(text, options, nested: false);
    }

    private static ExtractionResult Extract(string text, GradingOptions options, bool nested)
    {
        var inner = StripEnclosingDelimiters(text);
        if (ReadsAsMath(inner, options)) return Found(inner, nested ? AnswerSource.LastMathSpan : AnswerSource.WholeAnswer);
        // The last math span or the last whole number, whichever ends later (Math-Verify tries the rightmost match
        // first): "there are 12 sequences" after "$d = \frac{90}{n}$" answers 12. A number inside the span is the span's.
        string span = "";
        int spanEnd = -1;
        bool hasSpan = !nested && MathSpanScanner.TryLast(text, out span, out spanEnd);
        bool hasNumber = NumberTokenScanner.TryLast(hasSpan ? text : inner, out var number, out int numberEnd);
        if (hasSpan && (!hasNumber || spanEnd >= numberEnd)) return Extract(span, options, nested: true);
        if (hasNumber) return Found(number, AnswerSource.LastNumber);
        return Found(inner, nested ? AnswerSource.LastMathSpan : AnswerSource.WholeAnswer);
    }

    /// <summary>
    /// True when <paramref name="text"/> as a whole is an answer: no prose (<see cref="HasProseWord"/>), no
    /// further $ delimiters, no list of bare numbers ("4 4/9 2"), and the parser reads it as mathematics rather
    /// than as free text.
    /// </summary>
    internal static bool ReadsAsMath(string text, GradingOptions options)
    {
        if (text.Length == 0 || text.Contains('$') || text.Contains("\\(", StringComparison.Ordinal) || text.Contains("\\[", StringComparison.Ordinal)) return false;
        if (HasProseWord(text) || NumberTokenScanner.HasAdjacentNumbers(text)) return false;
        try
        {
            var parsed = ParsedAnswer.Create(text, new ComputeBudget(options.TimeLimit));
            return parsed.Node is not null and not TextNode;
        }
        catch (Exception e) when (e is GradingTimeoutException or OverflowException or ArithmeticException or InsufficientExecutionStackException)
        {
            return false;
        }
    }

    private static ExtractionResult Found(string answer, AnswerSource source) => new(answer.Trim(), source, GradeReason.Equivalent);

    /// <summary>"$x$" → "x", "\[ 9 \]" → "9"; only when one pair encloses the whole text.</summary>
    internal static string StripEnclosingDelimiters(string text)
    {
        foreach (var (open, close) in (ReadOnlySpan<(string, string)>)[("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")])
        {
            if (text.Length < open.Length + close.Length || !text.StartsWith(open, StringComparison.Ordinal) || !text.EndsWith(close, StringComparison.Ordinal)) continue;
            var body = text[open.Length..^close.Length];
            // "$1$ and $2$" is two spans, not one enclosing pair; an escaped "\$" inside is fine.
            if (body.Replace("\\$", "", StringComparison.Ordinal).Contains(open[^1] == '$' ? "$" : close, StringComparison.Ordinal)) continue;
            return body.Trim();
        }
        return text;
    }

    /// <summary>A word of four or more ASCII letters, or two words of two or more, that are not LaTeX commands, text
    /// arguments or math words; or any letter of a non-Latin, non-Greek script.</summary>
    internal static bool HasProseWord(string text)
    {
        int i = 0, shortWords = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\\')
            {
                int start = i++;
                while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
                var command = text[start..i];
                if (i < text.Length && text[i] == '{' && Array.IndexOf(TextArgumentCommands, command) >= 0) i = SkipGroup(text, i);
                else if (i == start + 1 && i < text.Length) i++; // "\$", "\%", "\{"
                continue;
            }
            // Letters of other scripts (CJK, Arabic, Devanagari, accented Latin) are words; Greek letters are symbols.
            if (char.IsLetter(c) && c > 127 && c is not (>= '\u0370' and <= '\u03FF')) return true;
            if (!char.IsAsciiLetter(c)) { i++; continue; }
            int wordStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            var word = text[wordStart..i];
            if (word.Length < 2 || MathWords.Contains(word)) continue;
            // "therefore": one long word is prose; "so we get 5": so are two short ones (never a product s·o·w·e…).
            if (word.Length >= 4 || ++shortWords >= 2) return true;
        }
        return false;
    }

    private static int SkipGroup(string text, int open)
    {
        int depth = 0;
        for (int k = open; k < text.Length; k++)
        {
            if (text[k] == '{') depth++;
            else if (text[k] == '}' && --depth == 0) return k + 1;
        }
        return text.Length;
    }
}
