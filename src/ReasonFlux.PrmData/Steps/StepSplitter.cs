namespace ReasonFlux.PrmData.Steps;

/// <summary>
/// Splits a trajectory or response into steps on a separator ("\n\n" by default, reasonflux-prm.md §2.2),
/// trimming each step and dropping empty ones (§9 item 1).
/// </summary>
public static class StepSplitter
{
    public static string[] Split(string text, string separator)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(separator);
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return normalized.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Removes a leading "&lt;think&gt;" and a trailing "&lt;/think&gt;" (the thinking part as models emit it).</summary>
    public static string StripThinkTags(string trajectory)
    {
        var t = trajectory.Trim();
        if (t.StartsWith("<think>", StringComparison.Ordinal)) t = t["<think>".Length..];
        var end = t.LastIndexOf("</think>", StringComparison.Ordinal);
        if (end >= 0 && string.IsNullOrWhiteSpace(t[(end + "</think>".Length)..])) t = t[..end];
        return t.Trim();
    }
}
