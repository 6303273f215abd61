namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Takes the final answer out of a long chain-of-thought response (doc §5): text after the last
/// &lt;/think&gt; (an unclosed &lt;think&gt; is no answer), the last &lt;answer&gt; block, the last box,
/// "The final answer is", "Answer:", "the answer is", and optionally the last number. Pure string scans,
/// linear in the response length.
/// </summary>
public static class AnswerExtractor
{
    /// <summary>Extracts the final mathematical answer from <paramref name="response"/>.</summary>
    public static ExtractionResult ExtractMath(string response, GradingOptions? options = null)
    {
        options ??= GradingOptions.Default;
        if (!TryCutThinking(response, out var text)) return ExtractionResult.Missing(GradeReason.UnfinishedThinking);

        if (TryAnswerTag(text, out var tagged) && tagged is not null) text = tagged;

        switch (BoxScanner.TryExtractLast(text, out var boxed))
        {
            case BoxScanner.Status.Found:
                return new ExtractionResult(boxed, AnswerSource.Boxed, GradeReason.Equivalent);
            case BoxScanner.Status.Unterminated:
                return ExtractionResult.Missing(GradeReason.UnterminatedBox);
        }
        if (tagged is not null)
        {
            // An <answer> block without a box: the block is the answer.
            var content = tagged.Trim();
            return content.Length > 0
                ? new ExtractionResult(content, AnswerSource.AnswerTag, GradeReason.Equivalent)
                : ExtractionResult.Missing(GradeReason.NoAnswer);
        }

        if (TryFinalAnswerIs(text, out var minerva)) return new ExtractionResult(minerva, AnswerSource.FinalAnswerIs, GradeReason.Equivalent);
        if (TryAnswerLine(text, out var line)) return new ExtractionResult(line, AnswerSource.AnswerLine, GradeReason.Equivalent);
        if (TryAnswerIs(text, out var answerIs)) return new ExtractionResult(answerIs, AnswerSource.AnswerIs, GradeReason.Equivalent);
        if (options.LenientFallback)
        {
            // A response that is only an answer ("\frac{10}{9}", "7,425,000") is taken whole, as in answer mode.
            var whole = BareAnswerExtractor.StripEnclosingDelimiters(text.Trim());
            if (BareAnswerExtractor.ReadsAsMath(whole, options)) return new ExtractionResult(whole, AnswerSource.WholeAnswer, GradeReason.Equivalent);
            // Else whichever comes last, a math span or a whole number (Math-Verify: rightmost match first).
            bool hasSpan = MathSpanScanner.TryLast(text, out var span, out int spanEnd);
            bool hasNumber = NumberTokenScanner.TryLast(text, out var number, out int numberEnd);
            if (hasSpan && (!hasNumber || spanEnd >= numberEnd)) return new ExtractionResult(span, AnswerSource.LastMathSpan, GradeReason.Equivalent);
            if (hasNumber) return new ExtractionResult(number, AnswerSource.LastNumber, GradeReason.Equivalent);
        }
        return ExtractionResult.Missing(GradeReason.NoAnswer);
    }

    /// <summary>
    /// Keeps the text after the last &lt;/think&gt;. Returns false when a &lt;think&gt; was opened and never
    /// closed: the model ran out of tokens mid-reasoning, and a box inside the reasoning is not an answer.
    /// </summary>
    public static bool TryCutThinking(string response, out string text)
    {
        int close = response.LastIndexOf("</think>", StringComparison.Ordinal);
        if (close >= 0)
        {
            text = response[(close + "</think>".Length)..];
            return true;
        }
        text = response;
        return response.IndexOf("<think>", StringComparison.Ordinal) < 0;
    }

    private static bool TryAnswerTag(string text, out string? content)
    {
        content = null;
        int open = text.LastIndexOf("<answer>", StringComparison.Ordinal);
        if (open < 0) return false;
        int start = open + "<answer>".Length;
        int close = text.IndexOf("</answer>", start, StringComparison.Ordinal);
        content = close >= 0 ? text[start..close] : text[start..];
        return true;
    }

    /// <summary>Minerva: "Final Answer: The final answer is X. I hope it is correct." (the last one).</summary>
    private static bool TryFinalAnswerIs(string text, out string answer)
    {
        answer = "";
        int at = text.LastIndexOf("final answer is", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return false;
        int start = at + "final answer is".Length;
        int hope = text.IndexOf("I hope it is correct", start, StringComparison.OrdinalIgnoreCase);
        int lineEnd = text.IndexOf('\n', start);
        int end = hope >= 0 && (lineEnd < 0 || hope < lineEnd) ? hope : (lineEnd < 0 ? text.Length : lineEnd);
        var candidate = text[start..end].Trim().TrimStart(':').Trim();
        candidate = CleanAnswerPhrase(candidate);
        if (candidate.Length == 0) return false;
        answer = candidate;
        return true;
    }

    /// <summary>The last "Answer:" (any case, markdown bold allowed) followed by text on the same line.</summary>
    private static bool TryAnswerLine(string text, out string answer)
    {
        answer = "";
        int searchEnd = text.Length;
        while (searchEnd > 0)
        {
            int at = text.LastIndexOf("answer", searchEnd - 1, StringComparison.OrdinalIgnoreCase);
            if (at < 0) return false;
            searchEnd = at;
            int i = at + "answer".Length;
            while (i < text.Length && (text[i] is ' ' or '\t' or '*')) i++;
            if (i >= text.Length || text[i] != ':') continue;
            i++;
            int lineEnd = text.IndexOf('\n', i);
            var rest = (lineEnd < 0 ? text[i..] : text[i..lineEnd]).Trim().Trim('*').Trim();
            if (rest.Length == 0 && lineEnd >= 0)
            {
                // "**Answer:**\n42": the answer is on the next line.
                int next = text.IndexOf('\n', lineEnd + 1);
                rest = (next < 0 ? text[(lineEnd + 1)..] : text[(lineEnd + 1)..next]).Trim().Trim('*').Trim();
            }
            rest = CleanAnswerPhrase(rest);
            if (rest.Length == 0) continue;
            answer = rest;
            return true;
        }
        return false;
    }

    /// <summary>The last "answer is X" (Qwen's "The answer is").</summary>
    private static bool TryAnswerIs(string text, out string answer)
    {
        answer = "";
        int searchEnd = text.Length;
        while (searchEnd > 0)
        {
            int at = text.LastIndexOf("answer is", searchEnd - 1, StringComparison.OrdinalIgnoreCase);
            if (at < 0) return false;
            searchEnd = at;
            int start = at + "answer is".Length;
            int lineEnd = text.IndexOf('\n', start);
            var rest = (lineEnd < 0 ? text[start..] : text[start..lineEnd]).Trim().TrimStart(':').Trim();
            rest = CleanAnswerPhrase(rest);
            if (rest.Length == 0) continue;
            answer = rest;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Turns the text after an answer marker into the answer itself: a leading math span ($...$, \(...\),
    /// \[...\]) wins; otherwise the text is cut at the end of the sentence, and for prose such as
    /// "The largest $n$ is 34." the part after the last " is ".
    /// </summary>
    internal static string CleanAnswerPhrase(string s)
    {
        s = s.Trim();
        if (s.Length == 0) return s;
        if (TryLeadingMathSpan(s, out var span)) return span;
        // Sentence end: ". " (a decimal point is followed by a digit, never a space), or a chat-template token.
        int cut = s.Length;
        int stop = s.IndexOf(". ", StringComparison.Ordinal);
        if (stop >= 0) cut = stop;
        int special = s.IndexOf("<|", StringComparison.Ordinal);
        if (special >= 0 && special < cut) cut = special;
        s = s[..cut].Trim();
        if (LooksLikeProse(s))
        {
            int isAt = Math.Max(s.LastIndexOf(" is ", StringComparison.Ordinal), s.LastIndexOf(" are ", StringComparison.Ordinal));
            if (isAt >= 0)
            {
                var tail = s[(s.IndexOf(' ', isAt + 1) + 1)..].Trim();
                if (TryLeadingMathSpan(tail, out var tailSpan)) return tailSpan;
                return tail.TrimEnd('.').Trim();
            }
            // Prose without a copula: take the first math span, else the first number.
            int dollar = s.IndexOf('$');
            if (dollar >= 0 && TryLeadingMathSpan(s[dollar..], out var inner)) return inner;
            if (TryFirstNumber(s, out var number)) return number;
        }
        return s.TrimEnd('.').Trim();
    }

    private static bool TryLeadingMathSpan(string s, out string span)
    {
        span = "";
        foreach (var (open, close) in (ReadOnlySpan<(string, string)>)[("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")])
        {
            if (!s.StartsWith(open, StringComparison.Ordinal)) continue;
            int end = IndexOfUnescaped(s, close, open.Length);
            if (end < 0) continue;
            span = s[open.Length..end].Trim();
            // A trailing unit or percent after the span still belongs to the answer ("$28$ %").
            var after = s[(end + close.Length)..].TrimStart();
            if (after.StartsWith('%') || after.StartsWith("percent", StringComparison.OrdinalIgnoreCase)) span += "\\%";
            return span.Length > 0;
        }
        return false;
    }

    /// <summary>IndexOf that skips backslash escapes, so "\$" inside "$\$32$" is not a closing dollar.</summary>
    private static int IndexOfUnescaped(string s, string value, int from)
    {
        for (int k = from; k <= s.Length - value.Length; k++)
        {
            if (s[k] == '\\' && !(value[0] == '\\' && string.CompareOrdinal(s, k, value, 0, value.Length) == 0)) { k++; continue; }
            if (string.CompareOrdinal(s, k, value, 0, value.Length) == 0) return k;
        }
        return -1;
    }

    private static bool LooksLikeProse(string s)
    {
        int run = 0;
        bool inCommand = false;
        for (int k = 0; k < s.Length; k++)
        {
            char c = s[k];
            if (c == '\\') { inCommand = true; run = 0; continue; }
            if (char.IsAsciiLetter(c))
            {
                if (inCommand) continue;
                if (++run >= 4) return true;
            }
            else { run = 0; inCommand = false; }
        }
        return false;
    }

    private static bool TryFirstNumber(string s, out string number)
    {
        number = "";
        for (int k = 0; k < s.Length; k++)
        {
            if (!char.IsAsciiDigit(s[k])) continue;
            int start = k > 0 && s[k - 1] == '-' ? k - 1 : k;
            int end = k;
            while (end < s.Length && (char.IsAsciiDigit(s[end]) || ((s[end] is '.' or ',') && end + 1 < s.Length && char.IsAsciiDigit(s[end + 1])))) end++;
            number = s[start..end];
            return true;
        }
        return false;
    }
}
