namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>The model step of a byte-level BPE tokenizer: normalized text in, ids out.</summary>
internal interface IPieceEncoder
{
    /// <summary>Pre-tokenizes <paramref name="normalized"/> and appends the ids of every piece.</summary>
    void EncodeSegment(ReadOnlySpan<char> normalized, List<int> ids);

    /// <summary>Appends the ids of one already pre-tokenized piece.</summary>
    void EncodePiece(ReadOnlySpan<char> piece, List<int> ids);

    /// <summary>Empties any per-piece cache.</summary>
    void ClearCache();
}
