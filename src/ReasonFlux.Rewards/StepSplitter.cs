namespace ReasonFlux.Rewards;

/// <summary>
/// Splits a reasoning text into steps on a separator ("\n\n" by default, as the ReasonFlux and Qwen PRM cards
/// advise). Each piece is trimmed of surrounding whitespace and empty pieces are dropped, so "a\n\n\n\nb" and
/// "a\n\n b\n" both give ["a", "b"]. Every step keeps its span in the original text (for step-level advantages).
/// </summary>
public static class StepSplitter
{
    public static IReadOnlyList<(string Text, TextSpan Span)> Split(string text, string separator)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrEmpty(separator)) throw new ArgumentException("step separator must not be empty", nameof(separator));
        var steps = new List<(string, TextSpan)>();
        int start = 0;
        while (start <= text.Length)
        {
            int next = text.IndexOf(separator, start, StringComparison.Ordinal);
            int end = next < 0 ? text.Length : next;
            AddTrimmed(text, start, end, steps);
            if (next < 0) break;
            start = next + separator.Length;
        }
        return steps;
    }

    private static void AddTrimmed(string text, int start, int end, List<(string, TextSpan)> steps)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (end > start) steps.Add((text[start..end], new TextSpan(start, end - start)));
    }
}
