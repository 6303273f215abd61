using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Heads;

/// <summary>The lm_head matrix [V, H] as a module: its own parameter, or the embedding matrix when tie_word_embeddings holds (registered shared, so it is saved once).</summary>
internal sealed class LmHead : nn.Module
{
    public LmHead(Tensor weight, bool owned = false)
    {
        Weight = owned ? RegisterParameter("weight", weight) : RegisterSharedParameter("weight", weight);
    }

    public Tensor Weight { get; }
}
