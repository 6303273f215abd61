namespace ReasonFlux.Tokenizers.Normalization;

/// <summary>
/// Our NFC (<see cref="NfcNormalizer"/>, own tables) as a Microsoft.ML.Tokenizers
/// <see cref="Microsoft.ML.Tokenizers.Normalizer"/>: what <see cref="BpeTokenizer.Normalizer"/> reports and
/// what an ML.Tokenizers model built from the same tokenizer.json is given.
/// </summary>
public sealed class NfcTextNormalizer : Microsoft.ML.Tokenizers.Normalizer
{
    /// <summary>The only instance (the normalizer has no state).</summary>
    public static NfcTextNormalizer Instance { get; } = new();

    private NfcTextNormalizer() { }

    /// <inheritdoc />
    public override string Normalize(string original) => NfcNormalizer.Normalize(original);

    /// <inheritdoc />
    public override string Normalize(ReadOnlySpan<char> original) => NfcNormalizer.Normalize(original.ToString());
}
