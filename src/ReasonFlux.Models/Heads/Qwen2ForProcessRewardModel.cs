using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Heads;

/// <summary>
/// ReasonFlux-PRM-7B / Qwen2.5-Math-PRM: score = Linear(H,H) → ReLU → Linear(H,2) on every token
/// (weights "score.0.*", "score.2.*"); a step's reward is P(class 1) at its separator token.
/// </summary>
public sealed class Qwen2ForProcessRewardModel : nn.Module, IQwen2Backbone
{
    private readonly ScoreHead _score;

    public Qwen2ForProcessRewardModel(Qwen2Config config, IParameterSource p)
    {
        Model = RegisterModule("model", new Qwen2Model(config, p));
        _score = RegisterModule("score", new ScoreHead(config, p));
    }

    public Qwen2Model Model { get; }
    public Qwen2Config Config => Model.Config;

    /// <summary>Class logits [B, T, 2] for every token.</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null) => Score(Model.forward(inputIds, attentionMask));

    public Tensor Score(Tensor hidden) => _score.forward(hidden);

    /// <summary>P(class 1) [B, T] in fp32 for every token.</summary>
    public Tensor PositiveProbabilities(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        return forward(inputIds, attentionMask).to(ScalarType.Float32).softmax(-1).select(-1, 1).MoveToOuterDisposeScope();
    }

    private sealed class ScoreHead : nn.Module
    {
        private readonly nn.Linear _hidden, _out;

        public ScoreHead(Qwen2Config c, IParameterSource p)
        {
            _hidden = RegisterModule("0", Layers.Linear(p, "score.0", c.HiddenSize, c.HiddenSize, bias: true));
            _out = RegisterModule("2", Layers.Linear(p, "score.2", 2, c.HiddenSize, bias: true));
        }

        public Tensor forward(Tensor h) => _out.forward(_hidden.forward(h).relu());
    }
}
