namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Multiple-choice letter extraction (doc §2.6): text after &lt;/think&gt;; the last "Answer: X" (with **,
/// $, parentheses, \boxed or \text around the letter); else the last box whose content is a single letter
/// ("\boxed{\text{E}}", "\boxed{C: ...}"); else the last "answer is (X)". No fallback to any capital letter.
/// A lowercase letter counts only where it cannot be an English word ("Answer: c." yes, "Answer: a bit" no).
/// </summary>
public static class ChoiceExtractor
{
    private static readonly string[] Wrappers = ["\\boxed{", "\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{", "\\(", "\\[", "$", "(", "[", "{", "*", " ", "\t", "\""];

    /// <summary>The chosen letter (upper case) as the answer string, or why there is none.</summary>
    public static ExtractionResult Extract(string response, GradingOptions? options = null)
    {
        options ??= GradingOptions.Default;
        if (!AnswerExtractor.TryCutThinking(response, out var text)) return ExtractionResult.Missing(GradeReason.UnfinishedThinking);
        var letters = options.ChoiceLetters;
        if (TryAfterMarker(text, "answer", requireColon: true, letters, out char c)
            || TryLastBoxLetter(text, letters, out c)
            || TryAfterMarker(text, "answer is", requireColon: false, letters, out c)
            || TryAfterMarker(text, "option is", requireColon: false, letters, out c)
            || TryAfterMarker(text, "choice is", requireColon: false, letters, out c))
            return new ExtractionResult(c.ToString(), AnswerSource.ChoiceLetter, GradeReason.Equivalent);
        return ExtractionResult.Missing(GradeReason.NoAnswer);
    }

    /// <summary>Reads a gold letter written as "C", "(C)", "C)", "\text{C}" or "Answer: C"; null when it is not one.</summary>
    public static char? NormalizeGold(string gold, GradingOptions? options = null)
    {
        options ??= GradingOptions.Default;
        var s = gold.Trim();
        if (s.Length == 1 && char.IsAsciiLetter(s[0])) return char.ToUpperInvariant(s[0]);
        if (TryReadLetterAt(s, 0, options.ChoiceLetters, lenient: true, out char c) && IsOnlyLetter(s, c)) return c;
        var extracted = Extract(s, options);
        return extracted.Answer is { Length: 1 } a ? a[0] : null;
    }

    private static bool IsOnlyLetter(string s, char c)
    {
        int letters = 0;
        foreach (var ch in s.Replace("\\text", "", StringComparison.Ordinal).Replace("\\textbf", "", StringComparison.Ordinal))
            if (char.IsAsciiLetter(ch)) letters++;
        return letters == 1;
    }

    private static bool TryAfterMarker(string text, string marker, bool requireColon, string letters, out char letter)
    {
        letter = '\0';
        int searchEnd = text.Length;
        while (searchEnd > 0)
        {
            int at = text.LastIndexOf(marker, searchEnd - 1, StringComparison.OrdinalIgnoreCase);
            if (at < 0) return false;
            searchEnd = at;
            int i = at + marker.Length;
            if (requireColon)
            {
                while (i < text.Length && text[i] is ' ' or '\t' or '*') i++;
                if (i >= text.Length || text[i] != ':') continue;
                i++;
            }
            else
            {
                while (i < text.Length && text[i] is ' ' or ':' or '*') i++;
            }
            if (TryReadLetterAt(text, i, letters, lenient: false, out letter)) return true;
        }
        return false;
    }

    private static bool TryLastBoxLetter(string text, string letters, out char letter)
    {
        letter = '\0';
        if (BoxScanner.TryExtractLast(text, out var content) != BoxScanner.Status.Found) return false;
        var s = content.Trim();
        // "\boxed{C: 42 kJ}" / "\boxed{(B)}" / "\boxed{\text{E}}": the letter must stand alone.
        return TryReadLetterAt(s, 0, letters, lenient: true, out letter);
    }

    /// <summary>
    /// Reads a choice letter at <paramref name="i"/> after skipping wrappers such as "**", "$", "(", "\boxed{".
    /// The letter must end its word; a lowercase letter (or the English words "A"/"I") must not be followed
    /// by more prose.
    /// </summary>
    private static bool TryReadLetterAt(string s, int i, string letters, bool lenient, out char letter)
    {
        letter = '\0';
        for (int guard = 0; guard < 8; guard++)
        {
            bool skipped = false;
            foreach (var w in Wrappers)
            {
                if (string.CompareOrdinal(s, i, w, 0, w.Length) == 0) { i += w.Length; skipped = true; break; }
            }
            if (!skipped) break;
        }
        if (i >= s.Length || !char.IsAsciiLetter(s[i])) return false;
        char raw = s[i];
        char upper = char.ToUpperInvariant(raw);
        if (!letters.Contains(upper)) return false;
        int j = i + 1;
        if (j < s.Length && char.IsAsciiLetter(s[j])) return false; // part of a word: "Answer: Cis", "answer seems"
        // What follows: closing wrappers, then punctuation / end, or more text.
        int k = j;
        while (k < s.Length && s[k] is ')' or ']' or '}' or '*' or '$' or '"' or '\\') k++;
        bool ends = k >= s.Length || s[k] is '\n' or '\r' or '.' or ',' or ';' or ':' or '!';
        bool moreProse = false;
        if (!ends)
        {
            int w = k;
            while (w < s.Length && s[w] is ' ' or '\t') w++;
            moreProse = w < s.Length && char.IsAsciiLetter(s[w]) && char.IsLower(s[w]);
            if (w >= s.Length || s[w] is '\n' or '\r') ends = true;
        }
        if (char.IsLower(raw))
        {
            if (!(ends || (lenient && !moreProse))) return false;
        }
        else if (raw is 'A' or 'I' && moreProse && k == j) return false; // "Answer: I think ...", "Answer: A bit ..."
        letter = upper;
        return true;
    }
}
