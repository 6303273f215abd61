namespace ReasonFlux.Tokenizers.PreTokenization;

/// <summary>A piece of the input, as a UTF-16 range of the text that was split.</summary>
public readonly record struct PieceRange(int Start, int Length);

/// <summary>Splits normalized text into the pieces that BPE runs on independently (HF "pre-tokenizer").</summary>
public abstract class PreTokenizer
{
    /// <summary>Appends the pieces of <paramref name="text"/>, in order and covering all of it, to <paramref name="pieces"/>.</summary>
    public abstract void Split(ReadOnlySpan<char> text, List<PieceRange> pieces);

    /// <summary>
    /// The pre-tokenizer for an HF Split pattern: the exact Qwen2 pattern gets the code-point scanner;
    /// any other pattern falls back to .NET Regex (see <see cref="RegexPreTokenizer"/> for the caveat).
    /// </summary>
    public static PreTokenizer ForPattern(string pattern) =>
        pattern == Qwen2PreTokenizer.Pattern ? new Qwen2PreTokenizer() : new RegexPreTokenizer(pattern);
}
