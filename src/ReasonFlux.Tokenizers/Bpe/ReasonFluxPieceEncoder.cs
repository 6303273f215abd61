using ReasonFlux.Tokenizers.PreTokenization;

namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>Our pre-tokenizer's span splitter feeding our <see cref="BpeModel"/>.</summary>
internal sealed class ReasonFluxPieceEncoder(BpeModel model, PreTokenizer preTokenizer) : IPieceEncoder
{
    [ThreadStatic] private static List<PieceRange>? t_pieces;

    public void EncodeSegment(ReadOnlySpan<char> normalized, List<int> ids)
    {
        var pieces = t_pieces ??= new List<PieceRange>(256);
        pieces.Clear();
        preTokenizer.Split(normalized, pieces);
        foreach (var p in pieces) model.EncodePiece(normalized.Slice(p.Start, p.Length), ids);
    }

    public void EncodePiece(ReadOnlySpan<char> piece, List<int> ids) => model.EncodePiece(piece, ids);

    public void ClearCache() => model.ClearCache();
}
