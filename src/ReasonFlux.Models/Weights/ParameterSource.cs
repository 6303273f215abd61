using ReasonFlux.Torch;

namespace ReasonFlux.Models.Weights;

/// <summary>What a parameter is, so a random initialiser knows how to fill it.</summary>
public enum ParameterKind
{
    /// <summary>A projection or embedding matrix: N(0, initializer_range), as Hugging Face initialises Qwen2.</summary>
    Matrix,
    /// <summary>A bias: zeros.</summary>
    Bias,
    /// <summary>An RMSNorm scale: ones.</summary>
    NormScale,
}

/// <summary>
/// Supplies each parameter as a model is built, by its full Hugging Face name. Building from a source
/// (checkpoint or initialiser) means each tensor is created once, directly in its final dtype and device.
/// </summary>
public interface IParameterSource
{
    ScalarType DType { get; }
    Device Device { get; }

    /// <summary>The tensor for <paramref name="name"/>; the model takes ownership.</summary>
    Tensor Get(string name, long[] shape, ParameterKind kind);

    /// <summary>True when the source can supply <paramref name="name"/> (a checkpoint may omit a tied lm_head).</summary>
    bool Has(string name);
}
