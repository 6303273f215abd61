namespace ReasonFlux.Tokenizers;

/// <summary>
/// An entry of tokenizer.json's "added_tokens": matched whole on the text before the model runs.
/// <see cref="Special"/> only decides whether decoding with skipSpecialTokens drops it; non-special
/// added tokens such as "&lt;think&gt;" are still split out atomically.
/// </summary>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool Normalized = false,
    bool LStrip = false,
    bool RStrip = false,
    bool SingleWord = false);
