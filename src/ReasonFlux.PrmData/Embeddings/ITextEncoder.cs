namespace ReasonFlux.PrmData.Embeddings;

/// <summary>The embedding Φ used by alignment and coherence: one fp32 vector per text.</summary>
public interface ITextEncoder
{
    /// <summary>Length of every vector.</summary>
    int Dimension { get; }

    /// <summary>Embeds the texts (same order). Implementations batch internally.</summary>
    float[][] Encode(IReadOnlyList<string> texts);
}
