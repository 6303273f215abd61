using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Algorithms;

/// <summary>Entropy of the next-token distribution at every position, H = −Σ_v p_v log p_v, in fp32.</summary>
public static class TokenEntropy
{
    /// <param name="logits">[..., V] logits (any float dtype), with or without grad.</param>
    /// <returns>[...] entropies in nats.</returns>
    public static Tensor FromLogits(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var l = logits.dtype == ScalarType.Float32 || logits.dtype == ScalarType.Float64 ? logits : logits.to(ScalarType.Float32);
        var logp = F.log_softmax(l, -1);
        return (-(logp.exp() * logp).sum(-1)).MoveToOuterDisposeScope();
    }
}
