using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Heads;

/// <summary>
/// ReasonFlux-PRM-7B / Qwen2.5-Math-PRM: score = Linear(H,H) → ReLU → Linear(H,2) (weights "score.0.*",
/// "score.2.*"); a step's reward is P(class 1) where it is read: its separator token in those checkpoints, or as
/// the config's <see cref="PrmReadout"/> says. With <see cref="PrmReadout.TokenLikelihood"/> the head reads the
/// backbone's own log p of the token there as two more inputs, through the lm_head ("lm_head.weight", or the
/// embedding matrix when tied).
/// </summary>
public sealed class Qwen2ForProcessRewardModel : nn.Module, IQwen2Backbone
{
    private readonly ScoreHead _score;
    private readonly LmHead? _lmHead;

    public Qwen2ForProcessRewardModel(Qwen2Config config, IParameterSource p)
    {
        Readout = PrmReadout.FromConfig(config.Extra, "config.json");
        Model = RegisterModule("model", new Qwen2Model(config, p));
        _score = RegisterModule("score", new ScoreHead(config, p, Readout.ExtraFeatures));
        if (Readout.ReadsLikelihood)
            _lmHead = RegisterModule("lm_head", config.TieWordEmbeddings
                ? new LmHead(Model.EmbedTokens.weight)
                : new LmHead(p.Get("lm_head.weight", [config.VocabSize, config.HiddenSize], ParameterKind.Matrix), owned: true));
    }

    public Qwen2Model Model { get; }
    public Qwen2Config Config => Model.Config;
    public PrmReadout Readout { get; }

    /// <summary>
    /// Class logits [N, 2] at <paramref name="flatPositions"/> (b · T + t) of the decoder's hidden states [B, T, H]
    /// for <paramref name="inputIds"/> [B, T]; <paramref name="flatStarts"/> are the first tokens of the segments read
    /// there (needed with <see cref="PrmReadout.StepMinLikelihood"/>). When the head reads likelihoods no position it
    /// reads them at is a row's first token (nothing precedes it to predict it); the encoder guarantees that.
    /// </summary>
    public Tensor ScoreAt(Tensor hidden, Tensor inputIds, long[] flatPositions, long[]? flatStarts = null)
    {
        using var scope = NewDisposeScope();
        var flat = hidden.reshape(-1, hidden.size(-1));
        var picked = flat.index_select(0, tensor(flatPositions, [flatPositions.Length], hidden.device));
        if (_lmHead is null) return _score.forward(picked).MoveToOuterDisposeScope();
        var features = new List<Tensor> { picked };
        if (Readout.TokenLikelihood) features.Add(LikelihoodFeatures(TokenLogProbs(flat, inputIds, flatPositions), picked.dtype));
        if (Readout.StepMinLikelihood)
        {
            if (flatStarts is null || flatStarts.Length != flatPositions.Length)
                throw new ArgumentException("a PRM whose head reads the step's lowest token likelihood needs each read segment's first token", nameof(flatStarts));
            // Every segment padded to the longest with its read position again, which leaves each minimum as it is.
            int width = (int)flatPositions.Zip(flatStarts).Max(x => x.First - x.Second + 1);
            var window = new long[flatPositions.Length * width];
            for (int n = 0; n < flatPositions.Length; n++)
                for (int w = 0; w < width; w++) window[n * width + w] = Math.Min(flatStarts[n] + w, flatPositions[n]);
            var lowest = TokenLogProbs(flat, inputIds, window).view(flatPositions.Length, width).min(1).values;
            features.Add(LikelihoodFeatures(lowest, picked.dtype));
        }
        return _score.forward(cat(features, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>log p(token at t | the tokens before it) [N] in fp32, from the hidden state at t − 1.</summary>
    private Tensor TokenLogProbs(Tensor flatHidden, Tensor inputIds, long[] flatPositions)
    {
        var before = flatPositions.Select(p => p - 1).ToArray();
        var previous = flatHidden.index_select(0, tensor(before, [before.Length], flatHidden.device));
        var tokens = inputIds.reshape(-1).index_select(0, tensor(flatPositions, [flatPositions.Length], inputIds.device));
        return nn.functional.lm_head_logprobs(previous, _lmHead!.Weight, tokens);
    }

    /// <summary>[max(log p, −20) / 5, p] [N, 2] in the hidden states' dtype.</summary>
    private static Tensor LikelihoodFeatures(Tensor logp, ScalarType dtype) => stack([logp.clamp_min(-20.0).div(5.0), logp.exp()], 1).to(dtype);

    /// <summary>Class logits [B, T, 2] for every token (a head without the token likelihood: one that has it reads chosen positions, <see cref="ScoreAt"/>).</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        if (_lmHead is not null) throw new InvalidOperationException("a PRM whose head reads the token likelihood scores chosen positions: use ScoreAt");
        return _score.forward(Model.forward(inputIds, attentionMask));
    }

    /// <summary>P(class 1) [B, T] in fp32 for every token (as <see cref="forward"/>).</summary>
    public Tensor PositiveProbabilities(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        return forward(inputIds, attentionMask).to(ScalarType.Float32).softmax(-1).select(-1, 1).MoveToOuterDisposeScope();
    }

    private sealed class ScoreHead : nn.Module
    {
        private readonly nn.Linear _hidden, _out;

        public ScoreHead(Qwen2Config c, IParameterSource p, int extraFeatures)
        {
            _hidden = RegisterModule("0", Layers.Linear(p, "score.0", c.HiddenSize, c.HiddenSize + extraFeatures, bias: true));
            _out = RegisterModule("2", Layers.Linear(p, "score.2", 2, c.HiddenSize, bias: true));
        }

        public Tensor forward(Tensor h) => _out.forward(_hidden.forward(h).relu());
    }
}
