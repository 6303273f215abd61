using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// Parameters for a reward model built on a pretrained decoder: every tensor comes from the base checkpoint
/// except the reward head's ("score.*" or "reward_head.*"), which is freshly initialised from a seed.
/// </summary>
public sealed class FreshHeadParameters(IParameterSource decoder, IParameterSource head) : IParameterSource
{
    private static readonly string[] HeadPrefixes = ["score.", "reward_head."];

    public ScalarType DType => decoder.DType;
    public Device Device => decoder.Device;

    public static bool IsHead(string name) => HeadPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    public Tensor Get(string name, long[] shape, ParameterKind kind) => IsHead(name) ? head.Get(name, shape, kind) : decoder.Get(name, shape, kind);

    public bool Has(string name) => IsHead(name) || decoder.Has(name);
}
