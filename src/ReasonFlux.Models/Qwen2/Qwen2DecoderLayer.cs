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

    public Tensor forward(Tensor x, (Tensor Cos, Tensor Sin) rotary, AttentionMask mask, KvCache? cache)
    {
        var h = x + _attn.forward(_inputNorm.forward(x), rotary, mask, cache);
        return h + _mlp.forward(_postNorm.forward(h));
    }
}
