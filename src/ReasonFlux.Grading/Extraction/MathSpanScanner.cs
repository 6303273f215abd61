namespace ReasonFlux.Grading.Extraction;

/// <summary>
/// Finds LaTeX math spans in prose: $$...$$ and \[...\] may cross lines; $...$ and \(...\) may not
/// (Math-Verify's rule, so a stray dollar does not swallow a paragraph). Escaped \$ is not a delimiter.
/// </summary>
internal static class MathSpanScanner
{
    /// <summary>The content of the last complete math span.</summary>
    public static bool TryLast(string text, out string span) => TryLast(text, out span, out _);

    /// <summary>The content of the last complete math span and the index just past it.</summary>
    public static bool TryLast(string text, out string span, out int endIndex)
    {
        span = "";
        endIndex = -1;
        string? last = null;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                char n = text[i + 1];
                if (n is '[' or '(')
                {
                    string close = n == '[' ? "\\]" : "\\)";
                    int end = text.IndexOf(close, i + 2, StringComparison.Ordinal);
                    if (end >= 0 && (n == '[' || text.IndexOf('\n', i + 2, end - i - 2) < 0))
                    {
                        last = text[(i + 2)..end];
                        i = end + 2;
                        endIndex = i;
                        continue;
                    }
                }
                i += 2; // skips \$ and other escapes
                continue;
            }
            if (c == '$')
            {
                bool display = i + 1 < text.Length && text[i + 1] == '$';
                int start = i + (display ? 2 : 1);
                int end = FindClosingDollar(text, start, display);
                if (end >= 0 && (display || text.IndexOf('\n', start, end - start) < 0))
                {
                    last = text[start..end];
                    i = end + (display ? 2 : 1);
                    endIndex = i;
                    continue;
                }
                i = start;
                continue;
            }
            i++;
        }
        if (last is null || last.Trim().Length == 0) return false;
        span = last.Trim();
        return true;
    }

    private static int FindClosingDollar(string text, int from, bool display)
    {
        for (int k = from; k < text.Length; k++)
        {
            if (text[k] == '\\') { k++; continue; }
            if (text[k] != '$') continue;
            if (!display) return k;
            if (k + 1 < text.Length && text[k + 1] == '$') return k;
        }
        return -1;
    }
}
