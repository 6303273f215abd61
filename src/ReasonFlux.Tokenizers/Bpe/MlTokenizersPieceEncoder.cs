using ReasonFlux.Tokenizers.PreTokenization;
using MlBpeTokenizer = Microsoft.ML.Tokenizers.BpeTokenizer;

namespace ReasonFlux.Tokenizers.Bpe;

/// <summary>
/// Microsoft.ML.Tokenizers' BpeTokenizer as the model step: built from the same vocabulary and merges with
/// ByteLevel = true and our <see cref="PreTokenizer"/> as its pre-tokenizer, no normalizer (NFC is applied
/// before, together with the added-token split, as HF orders it) and no special tokens (split out before).
/// </summary>
internal sealed class MlTokenizersPieceEncoder : IPieceEncoder
{
    private readonly Dictionary<string, int> _vocab;
    private readonly List<string> _merges;
    private readonly PreTokenizer _preTokenizer;
    private MlBpeTokenizer _bpe;

    public MlTokenizersPieceEncoder(TokenizerJson.Definition definition, string source)
    {
        if (definition.IgnoreMerges)
            throw new InvalidDataException($"{source}: model.ignore_merges=true is not supported by the Microsoft.ML.Tokenizers engine (use BpeMergeEngine.ReasonFlux)");
        _vocab = definition.Vocab;
        _merges = definition.Merges.Select(m => m.Left + " " + m.Right).ToList();
        _preTokenizer = definition.PreTokenizer;
        try
        {
            _bpe = Build();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: Microsoft.ML.Tokenizers rejected the model: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: Microsoft.ML.Tokenizers rejected the model (a duplicated merge?): {e.Message}", e);
        }
    }

    /// <summary>The ML.Tokenizers model itself, usable on its own for text without added tokens.</summary>
    public MlBpeTokenizer Model => _bpe;

    private MlBpeTokenizer Build() => MlBpeTokenizer.Create(new Microsoft.ML.Tokenizers.BpeOptions(_vocab)
    {
        Merges = _merges,
        PreTokenizer = _preTokenizer,
        ByteLevel = true,
    });

    public void EncodeSegment(ReadOnlySpan<char> normalized, List<int> ids) =>
        ids.AddRange(_bpe.EncodeToIds(normalized, considerPreTokenization: true, considerNormalization: false));

    public void EncodePiece(ReadOnlySpan<char> piece, List<int> ids) =>
        ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));

    // ML.Tokenizers has no public cache reset; a fresh model starts cold (what TokenizerBench needs).
    public void ClearCache() => _bpe = Build();
}
