namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>Which implementation runs the byte-level mapping and merges of a <see cref="BpeTokenizer"/>.</summary>
public enum BpeMergeEngine
{
    /// <summary>Ours (<see cref="BpeModel"/>): the default, see src/ReasonFlux.Tokenizers/README.md for why.</summary>
    ReasonFlux,

    /// <summary>
    /// Microsoft.ML.Tokenizers' <c>BpeTokenizer</c> (ByteLevel = true) with our pre-tokenizer plugged in as its
    /// <c>PreTokenizer</c>; added tokens and NFC stay ours. Kept for the parity tests and TokenizerBench.
    /// </summary>
    MlTokenizers,
}
