using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Qwen2;

/// <summary>Pre-norm residual block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
public sealed class Qwen2DecoderLayer : nn.Module
{
    private readonly nn.RMSNorm _inputNorm, _postNorm;
    private readonly Qwen2Attention _attn;
    private readonly Qwen2Mlp _mlp;

    public Qwen2DecoderLayer(Qwen2Config c, int index, IParameterSource p, string prefix)
    {
        _attn = RegisterModule("self_attn", new Qwen2Attention(c, index, p, prefix + "self_attn."));
        _mlp = RegisterModule("mlp", new Qwen2Mlp(c, p, prefix + "mlp."));
        _inputNorm = RegisterModule("input_layernorm", Layers.Norm(p, prefix + "input_layernorm", c.HiddenSize, c.RmsNormEps));
        _postNorm = RegisterModule("post_attention_layernorm", Layers.Norm(p, prefix + "post_attention_layernorm", c.HiddenSize, c.RmsNormEps));
    }

    /// <remarks>
    /// Each block frees its intermediates when it returns instead of leaving them to the caller's dispose scope:
    /// held to the end of a forward pass, every layer's activations stay allocated at once (hundreds of MB for a
    /// prefill), which costs page faults and cache misses that eager PyTorch, freeing by refcount, never pays.
    /// Autograd keeps what backward needs through its own references, so this is safe while training too.
    /// </remarks>
    public Tensor forward(Tensor x, (Tensor Cos, Tensor Sin) rotary, AttentionMask mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x + _attn.forward(_inputNorm.forward(x), rotary, mask, cache);
        return (h + _mlp.forward(_postNorm.forward(h))).MoveToOuterDisposeScope();
    }
}
