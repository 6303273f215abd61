using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Heads;

/// <summary>The Qwen2 policy: decoder plus lm_head; with tie_word_embeddings the head is the embedding matrix itself (one tensor, never a copy).</summary>
public sealed class Qwen2ForCausalLM : nn.Module, IQwen2Backbone
{
    private readonly LmHead _head;

    public Qwen2ForCausalLM(Qwen2Config config, IParameterSource p)
    {
        Model = RegisterModule("model", new Qwen2Model(config, p));
        _head = RegisterModule("lm_head", config.TieWordEmbeddings
            ? new LmHead(Model.EmbedTokens.weight)
            : new LmHead(p.Get("lm_head.weight", [config.VocabSize, config.HiddenSize], ParameterKind.Matrix), owned: true));
    }

    public Qwen2Model Model { get; }
    public Qwen2Config Config => Model.Config;

    /// <summary>The lm_head matrix [V, H] (the embedding matrix when tied).</summary>
    public Tensor LmHeadWeight => _head.Weight;

    /// <summary>Logits [B, T, V] in the model dtype.</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        Logits(Model.forward(inputIds, attentionMask, positionIds, cache));

    /// <summary>
    /// Positions whose logits exist at once in <see cref="TokenLogProbs"/>: the [chunk, V] block that replaces the
    /// [B, T, V] logits of a training forward. 0 materialises all logits (for comparison and benchmarks).
    /// </summary>
    public long LogitsChunk { get; set; } = nn.functional.DefaultLogitsChunk;

    /// <summary>
    /// When a call's logits number at most this many elements, they are kept for backward instead of recomputed
    /// chunk by chunk (see <see cref="nn.functional.lm_head_logprobs"/>); 0 always recomputes.
    /// </summary>
    public long LogitsKeepElements { get; set; } = nn.functional.DefaultLogitsKeepElements;

    /// <summary>
    /// log p(ids) [...] in fp32 from hidden states [..., H] (as <see cref="Qwen2Model.forward"/> returns, at the
    /// positions that predict <paramref name="ids"/>), with logits divided by <paramref name="temperature"/>.
    /// Differentiable; never materialises more than <see cref="LogitsChunk"/> positions of logits.
    /// </summary>
    public Tensor TokenLogProbs(Tensor hidden, Tensor ids, double temperature = 1.0) =>
        nn.functional.lm_head_logprobs(hidden, _head.Weight, ids, temperature, LogitsChunk, LogitsKeepElements);

    /// <summary>As <see cref="TokenLogProbs"/>, plus each position's entropy (fp32, differentiable), for entropy bonuses and metrics.</summary>
    public (Tensor LogProbs, Tensor Entropy) TokenLogProbsWithEntropy(Tensor hidden, Tensor ids, double temperature = 1.0) =>
        nn.functional.lm_head_logprobs_entropy(hidden, _head.Weight, ids, temperature, LogitsChunk, LogitsKeepElements);

    /// <summary>Projects hidden states to logits (callers may project only the positions they need).</summary>
    public Tensor Logits(Tensor hidden) => nn.functional.linear(hidden, _head.Weight);
}
