namespace ReasonFlux.Tokenizers.PreTokenization;

/// <summary>A piece of the input, as a UTF-16 range of the text that was split.</summary>
public readonly record struct PieceRange(int Start, int Length);

/// <summary>
/// Splits normalized text into the pieces that BPE runs on independently (HF "pre-tokenizer"). It is a
/// Microsoft.ML.Tokenizers <see cref="Microsoft.ML.Tokenizers.PreTokenizer"/>, so ML.Tokenizers' own models
/// (its BpeTokenizer) can split with it; <see cref="Split"/> is the allocation-free form our encoder uses.
/// </summary>
public abstract class PreTokenizer : Microsoft.ML.Tokenizers.PreTokenizer
{
    /// <summary>Appends the pieces of <paramref name="text"/>, in order and covering all of it, to <paramref name="pieces"/>.</summary>
    public abstract void Split(ReadOnlySpan<char> text, List<PieceRange> pieces);

    /// <inheritdoc />
    public sealed override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        PreTokenize(text.AsSpan());

    /// <inheritdoc />
    public sealed override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        // ML.Tokenizers asks for an enumerable; a span cannot be captured by an iterator, so materialize.
        var pieces = new List<PieceRange>(text.Length / 4 + 1);
        Split(text, pieces);
        var result = new (int Offset, int Length)[pieces.Count];
        for (int i = 0; i < result.Length; i++) result[i] = (pieces[i].Start, pieces[i].Length);
        return result;
    }

    /// <summary>
    /// The pre-tokenizer for an HF Split pattern: the exact Qwen2 and Llama-3 patterns get the code-point scanner;
    /// any other pattern falls back to .NET Regex (see <see cref="RegexPreTokenizer"/> for the caveat).
    /// </summary>
    public static PreTokenizer ForPattern(string pattern) => pattern switch
    {
        Qwen2PreTokenizer.Pattern => new Qwen2PreTokenizer(),
        Qwen2PreTokenizer.Llama3Pattern => new Qwen2PreTokenizer(maxNumberLength: 3),
        _ => new RegexPreTokenizer(pattern),
    };
}
