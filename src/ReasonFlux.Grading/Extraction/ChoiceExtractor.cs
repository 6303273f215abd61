namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Multiple-choice letter extraction (doc §2.6): text after &lt;/think&gt;; the last "Answer: X" (with **,
/// $, parentheses, \boxed or \text around the letter); else the last box whose content is a single letter
/// ("\boxed{\text{E}}", "\boxed{C: ...}"); else the last "answer is (X)" (up to three filler words between:
/// "the answer is for sure D"); else the last bold "**D**"; else a letter that starts the text ("D.", "(D)").
/// No fallback to any capital letter.
/// A lowercase letter counts only where it cannot be an English word ("Answer: c." yes, "Answer: a bit" no).
/// </summary>
public static class ChoiceExtractor
{
    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal) { "not", "never", "neither", "nor", "either", "between", "or" };

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
            || TryAfterMarker(text, "choice is", requireColon: false, letters, out c)
            || TryLastBoldLetter(text, letters, out c)
            || TryLeadingLetter(text, letters, gold: false, out c))
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
        if (extracted.Answer is { Length: 1 } a) return a[0];
        // A gold written as "(D) Alina" or "C Cecile": the gold is trusted, so a leading letter is enough.
        return TryLeadingLetter(s, options.ChoiceLetters, gold: true, out c) ? c : null;
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
                i = SkipSpace(text, i);
            }
            if (TryReadLetterAt(text, i, letters, lenient: false, out letter)) return true;
            if (requireColon) continue;
            // "The answer is for sure D": up to three lowercase filler words, never a negation ("answer is not A").
            for (int words = 0; words < 3; words++)
            {
                int w = i;
                while (w < text.Length && char.IsAsciiLetterLower(text[w])) w++;
                if (w - i < 2 || Negations.Contains(text[i..w])) break;
                i = SkipSpace(text, w);
                if (TryReadLetterAt(text, i, letters, lenient: false, out letter)) return true;
            }
        }
        return false;
    }

    private static int SkipSpace(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\r' or ':' or '*') i++;
        return i;
    }

    /// <summary>The last bold letter standing alone: "**D**", "**(D)**", "**D.**".</summary>
    private static bool TryLastBoldLetter(string text, string letters, out char letter)
    {
        letter = '\0';
        int searchEnd = text.Length;
        while (searchEnd > 0)
        {
            int at = text.LastIndexOf("**", searchEnd - 1, StringComparison.Ordinal);
            if (at < 0) return false;
            searchEnd = at;
            int i = at + 2;
            if (i < text.Length && text[i] == '(') i++;
            if (i >= text.Length || !letters.Contains(text[i])) continue;
            char candidate = text[i++];
            if (i < text.Length && text[i] is ')' or '.') i++;
            if (string.CompareOrdinal(text, i, "**", 0, 2) != 0) continue;
            letter = candidate;
            return true;
        }
        return false;
    }

    /// <summary>
    /// A letter that starts the text: "D", "D.", "D)", "(D)", "D: …", "D, …". A prediction must mark the letter
    /// with punctuation or parentheses ("D. it can't be A or B"); a gold may also be "C Cecile".
    /// </summary>
    private static bool TryLeadingLetter(string text, string letters, bool gold, out char letter)
    {
        letter = '\0';
        var s = text.TrimStart();
        int i = 0;
        bool parenthesized = s.StartsWith('(');
        if (parenthesized) i++;
        if (i >= s.Length || !letters.Contains(s[i])) return false;
        char candidate = s[i++];
        if (parenthesized)
        {
            if (i >= s.Length || s[i] != ')') return false;
            letter = candidate;
            return true;
        }
        bool marked = i >= s.Length || s[i] is '.' or ')' or ':' or ',' or '\n' or '\r';
        if (!marked && gold) marked = s[i] is ' ' or '\t';
        if (!marked) return false;
        letter = candidate;
        return true;
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
