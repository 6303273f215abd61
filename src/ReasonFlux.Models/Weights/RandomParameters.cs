using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Weights;

/// <summary>Hugging Face's Qwen2 initialisation from a seed: matrices N(0, std), biases 0, norm scales 1.</summary>
public sealed class RandomParameters(long seed, double std, ScalarType dtype, Device device) : IParameterSource, IDisposable
{
    private readonly Generator _generator = new(seed);

    public ScalarType DType => dtype;
    public Device Device => device;

    public bool Has(string name) => true;

    public Tensor Get(string name, long[] shape, ParameterKind kind)
    {
        using var scope = NewDisposeScope();
        var t = kind switch
        {
            ParameterKind.Matrix => randn(shape, ScalarType.Float32, Device.CPU, _generator).mul(std),
            ParameterKind.Bias => zeros(shape),
            ParameterKind.NormScale => ones(shape),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return t.to(dtype, device).MoveToOuterDisposeScope();
    }

    public void Dispose() => _generator.Dispose();
}
