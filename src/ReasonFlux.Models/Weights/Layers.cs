using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Weights;

/// <summary>Builds standard layers from a parameter source under their Hugging Face names.</summary>
internal static class Layers
{
    public static nn.Linear Linear(IParameterSource p, string name, long outFeatures, long inFeatures, bool bias) =>
        new(p.Get(name + ".weight", [outFeatures, inFeatures], ParameterKind.Matrix),
            bias ? p.Get(name + ".bias", [outFeatures], ParameterKind.Bias) : null);

    public static nn.RMSNorm Norm(IParameterSource p, string name, long dim, double eps) =>
        new(p.Get(name + ".weight", [dim], ParameterKind.NormScale), eps);

    public static nn.Embedding Embedding(IParameterSource p, string name, long count, long dim) =>
        new(p.Get(name + ".weight", [count, dim], ParameterKind.Matrix));
}
