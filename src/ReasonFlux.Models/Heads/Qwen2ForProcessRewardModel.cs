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
        if (Readout.TokenLikelihood)
            _lmHead = RegisterModule("lm_head", config.TieWordEmbeddings
                ? new LmHead(Model.EmbedTokens.weight)
                : new LmHead(p.Get("lm_head.weight", [config.VocabSize, config.HiddenSize], ParameterKind.Matrix), owned: true));
    }

    public Qwen2Model Model { get; }
    public Qwen2Config Config => Model.Config;
    public PrmReadout Readout { get; }

    /// <summary>
    /// Class logits [N, 2] at <paramref name="flatPositions"/> (b · T + t) of the decoder's hidden states [B, T, H]
    /// for <paramref name="inputIds"/> [B, T]. When the head reads the token likelihood a read position is never a
    /// row's first token (nothing precedes it to predict it); the encoder guarantees that.
    /// </summary>
    public Tensor ScoreAt(Tensor hidden, Tensor inputIds, long[] flatPositions)
    {
        using var scope = NewDisposeScope();
        var flat = hidden.reshape(-1, hidden.size(-1));
        var picked = flat.index_select(0, tensor(flatPositions, [flatPositions.Length], hidden.device));
        if (_lmHead is null) return _score.forward(picked).MoveToOuterDisposeScope();
        // log p(token at t | the tokens before it) comes from the hidden state at t − 1.
        var before = flatPositions.Select(p => p - 1).ToArray();
        var previous = flat.index_select(0, tensor(before, [before.Length], hidden.device));
        var tokens = inputIds.reshape(-1).index_select(0, tensor(flatPositions, [flatPositions.Length], inputIds.device));
        var logp = nn.functional.lm_head_logprobs(previous, _lmHead.Weight, tokens);
        var features = stack([logp.clamp_min(-20.0).div(5.0), logp.exp()], 1).to(picked.dtype);
        return _score.forward(cat([picked, features], 1)).MoveToOuterDisposeScope();
    }

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
