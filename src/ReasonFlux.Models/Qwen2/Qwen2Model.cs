using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Models.Qwen2;

/// <summary>The Qwen2 decoder (embeddings, layers, final norm): hidden states for every head.</summary>
public sealed class Qwen2Model : nn.Module
{
    private readonly nn.ModuleList<Qwen2DecoderLayer> _layers;
    private readonly nn.RMSNorm _norm;

    public Qwen2Model(Qwen2Config config, IParameterSource p, string prefix = "model.")
    {
        Config = config;
        DType = p.DType;
        Device = p.Device;
        EmbedTokens = RegisterModule("embed_tokens", Layers.Embedding(p, prefix + "embed_tokens", config.VocabSize, config.HiddenSize));
        _layers = RegisterModule("layers", new nn.ModuleList<Qwen2DecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Qwen2DecoderLayer(config, i, p, $"{prefix}layers.{i}."))));
        _norm = RegisterModule("norm", Layers.Norm(p, prefix + "norm", config.HiddenSize, config.RmsNormEps));
    }

    public Qwen2Config Config { get; }
    public ScalarType DType { get; }
    public Device Device { get; }
    public nn.Embedding EmbedTokens { get; }

    /// <summary>
    /// Recompute each decoder layer's activations in backward instead of keeping them (training only: it applies
    /// when gradients are recorded and no KV cache is used). Memory for activations drops from every layer's
    /// intermediates to one hidden state per layer, for about one extra forward pass of compute.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// Hidden states [B, T, H] after the final norm.
    /// </summary>
    /// <param name="inputIds">[B, T] token ids</param>
    /// <param name="attentionMask">[B, S] 1 for real tokens, 0 for padding, covering the cached positions and these T (S = cached + T); null when nothing is padded</param>
    /// <param name="positionIds">[B, T]; by default each row counts its own real tokens (HF's cumsum(mask) - 1), so left padding does not shift positions</param>
    /// <param name="cache">KV cache to read and extend, or null for a plain forward</param>
    /// <param name="segmentIds">Packed rows: [B, T] int64, each position's sequence within its row (-1 for padding),
    /// so attention never crosses from one sequence into another; needs <paramref name="positionIds"/> (restarting
    /// at 0 for each sequence) and takes no attention mask or cache</param>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null, Tensor? segmentIds = null)
    {
        if (segmentIds is not null)
        {
            if (cache is not null || attentionMask is not null || positionIds is null)
                throw new ArgumentException("packed rows (segment ids) need position ids and take no attention mask or KV cache");
            return RunLayers(EmbedTokens.forward(inputIds), F.rotary_cos_sin(positionIds, Config.HeadDim, Config.RopeTheta, DType), F.segment_attention_mask(segmentIds), null);
        }
        long b = inputIds.size(0), t = inputIds.size(1);
        long cached = cache?.Length ?? 0;
        Tensor? keyValid = attentionMask?.to(ScalarType.Bool);
        if (keyValid is not null && keyValid.size(1) != cached + t)
            throw new ArgumentException($"attention mask covers {keyValid.size(1)} positions, expected cached {cached} + new {t}");
        positionIds ??= DefaultPositions(attentionMask, b, t, cached);
        var rotary = F.rotary_cos_sin(positionIds, Config.HeadDim, Config.RopeTheta, DType);
        var h = EmbedTokens.forward(inputIds);
        var hidden = RunLayers(h, rotary, F.attention_mask(t, cached + t, cached, keyValid, h), cache);
        cache?.Advance(t);
        return hidden;
    }

    private Tensor RunLayers(Tensor h, (Tensor Cos, Tensor Sin) rotary, AttentionMask mask, KvCache? cache)
    {
        bool checkpointed = GradientCheckpointing && cache is null && is_grad_enabled();
        for (int i = 0; i < _layers.Count; i++)
        {
            var next = checkpointed ? CheckpointedLayer(_layers[i], h, rotary, mask) : _layers[i].forward(h, rotary, mask, cache);
            h.Dispose(); // the previous hidden state: only autograd (by its own reference) may still need it
            h = next;
        }
        return _norm.forward(h);
    }

    // The recompute reads everything through its arguments: the tensors of this forward may be disposed by the
    // time backward runs, the ones handed to the checkpoint are kept alive by it.
    private static Tensor CheckpointedLayer(Qwen2DecoderLayer layer, Tensor h, (Tensor Cos, Tensor Sin) rotary, AttentionMask mask)
    {
        bool plainCausal = mask.IsPlainCausal;
        Tensor[] inputs = mask.Allowed is null ? [h, rotary.Cos, rotary.Sin] : [h, rotary.Cos, rotary.Sin, mask.Allowed];
        return torch.utils.checkpoint(
            args => layer.forward(args[0], (args[1], args[2]), new AttentionMask(args.Length > 3 ? args[3] : null, plainCausal), null),
            inputs, layer.parameters().ToArray());
    }

    private Tensor DefaultPositions(Tensor? mask, long b, long t, long cached)
    {
        if (mask is null) return arange(cached, cached + t, 1, ScalarType.Int64, Device).unsqueeze(0).expand(b, t);
        var counted = mask.to(ScalarType.Int64).cumsum(1).sub(1).clamp_min(0);
        return counted.narrow(1, cached, t);
    }
}
