using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Models.Qwen2;

/// <summary>Qwen2 self-attention: biased q/k/v projections, rotary embeddings, grouped-query attention.</summary>
public sealed class Qwen2Attention : nn.Module
{
    private readonly Qwen2Config _c;
    private readonly nn.Linear _q, _k, _v, _o;
    private readonly int _layer;

    public Qwen2Attention(Qwen2Config c, int layer, IParameterSource p, string prefix)
    {
        _c = c;
        _layer = layer;
        long h = c.HiddenSize, d = c.HeadDim, q = c.NumAttentionHeads * d, kv = c.NumKeyValueHeads * d;
        _q = RegisterModule("q_proj", Layers.Linear(p, prefix + "q_proj", q, h, bias: true));
        _k = RegisterModule("k_proj", Layers.Linear(p, prefix + "k_proj", kv, h, bias: true));
        _v = RegisterModule("v_proj", Layers.Linear(p, prefix + "v_proj", kv, h, bias: true));
        _o = RegisterModule("o_proj", Layers.Linear(p, prefix + "o_proj", h, q, bias: false));
    }

    /// <param name="x">[B, T, H]</param>
    /// <param name="rotary">cos/sin tables [B, T, D]</param>
    /// <param name="mask">the forward pass's mask over S = cached + T keys</param>
    public Tensor forward(Tensor x, (Tensor Cos, Tensor Sin) rotary, AttentionMask mask, KvCache? cache)
    {
        using var scope = NewDisposeScope(); // see Qwen2DecoderLayer.forward
        long b = x.size(0), t = x.size(1), d = _c.HeadDim;
        var q = F.apply_rotary(_q.forward(x).view(b, t, _c.NumAttentionHeads, d).transpose(1, 2), rotary.Cos, rotary.Sin);
        var k = F.apply_rotary(_k.forward(x).view(b, t, _c.NumKeyValueHeads, d).transpose(1, 2), rotary.Cos, rotary.Sin);
        var v = _v.forward(x).view(b, t, _c.NumKeyValueHeads, d).transpose(1, 2);
        if (cache is not null) (k, v) = cache.Append(_layer, k, v);
        var attn = F.attention(q, k, v, mask);
        return _o.forward(attn.transpose(1, 2).reshape(b, t, _c.NumAttentionHeads * d)).MoveToOuterDisposeScope();
    }
}
