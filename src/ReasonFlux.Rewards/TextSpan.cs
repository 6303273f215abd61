namespace ReasonFlux.Rewards;

/// <summary>A range of characters in a response string (UTF-16 indexes, as string.Substring takes them).</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;

    public TextSpan Shift(int offset) => new(Start + offset, Length);
}
