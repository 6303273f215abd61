using ReasonFlux.Models.Qwen2;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Models.Heads;

/// <summary>
/// ReasonFlux-PRM-1.5B: the decoder's last hidden state at the last real token, through Linear(H,1) and a
/// sigmoid (weights "reward_head.weight", "reward_head.bias"). Input is the raw problem + completion text.
/// </summary>
public sealed class Qwen2ScalarRewardModel : nn.Module, IQwen2Backbone
{
    private readonly nn.Linear _head;

    public const string Architecture = "Qwen2ScalarRewardModel";

    public Qwen2ScalarRewardModel(Qwen2Config config, IParameterSource p)
    {
        Model = RegisterModule("model", new Qwen2Model(config, p));
        _head = RegisterModule("reward_head", Layers.Linear(p, "reward_head", 1, config.HiddenSize, bias: true));
    }

    public Qwen2Model Model { get; }
    public Qwen2Config Config => Model.Config;

    /// <summary>Rewards in (0, 1), one per row [B], fp32. Works with left or right padding.</summary>
    public Tensor forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        var hidden = Model.forward(inputIds, attentionMask);
        long b = inputIds.size(0), t = inputIds.size(1);
        // Index of the last real token per row: the largest position whose mask is 1.
        Tensor last;
        if (attentionMask is null) last = full([b], t - 1);
        else
        {
            var positions = arange(t, ScalarType.Int64, hidden.device).unsqueeze(0).expand(b, t);
            last = positions.masked_fill(attentionMask.to(ScalarType.Bool).logical_not(), -1).max(1).values;
        }
        var picked = hidden.gather(1, last.view(b, 1, 1).expand(b, 1, hidden.size(2))).squeeze(1);
        return _head.forward(picked).squeeze(-1).to(ScalarType.Float32).sigmoid().MoveToOuterDisposeScope();
    }
}
