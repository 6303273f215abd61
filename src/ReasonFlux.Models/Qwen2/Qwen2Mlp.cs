using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Qwen2;

/// <summary>SwiGLU: down(silu(gate(x)) * up(x)).</summary>
public sealed class Qwen2Mlp : nn.Module
{
    private readonly nn.Linear _gate, _up, _down;

    public Qwen2Mlp(Qwen2Config c, IParameterSource p, string prefix)
    {
        _gate = RegisterModule("gate_proj", Layers.Linear(p, prefix + "gate_proj", c.IntermediateSize, c.HiddenSize, bias: false));
        _up = RegisterModule("up_proj", Layers.Linear(p, prefix + "up_proj", c.IntermediateSize, c.HiddenSize, bias: false));
        _down = RegisterModule("down_proj", Layers.Linear(p, prefix + "down_proj", c.HiddenSize, c.IntermediateSize, bias: false));
    }

    public Tensor forward(Tensor x)
    {
        // Intermediates die here, not at the caller's scope: see Qwen2DecoderLayer.forward.
        using var scope = NewDisposeScope();
        return _down.forward(nn.functional.swiglu(_gate.forward(x), _up.forward(x))).MoveToOuterDisposeScope();
    }
}
