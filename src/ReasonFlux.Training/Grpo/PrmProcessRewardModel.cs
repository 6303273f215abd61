using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Torch;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Grpo;

/// <summary>The frozen ReasonFlux-PRM behind GRPO's process rewards: our steps in, its step scores and r̂ out.</summary>
public sealed class PrmProcessRewardModel(PrmScorer scorer) : IProcessRewardModel
{
    public static PrmProcessRewardModel Load(PrmScorerOptions options, Device device) => new(PrmScorerLoader.Load(options, device));

    public IReadOnlyList<ProcessScore> Score(IReadOnlyList<(string Problem, IReadOnlyList<string> Steps)> items)
    {
        var samples = items.Select(i => PrmSample.FromSteps(i.Problem, i.Steps, stepSeparator: scorer.Options.StepSeparator)).ToArray();
        return scorer.Score(samples).Select(s => new ProcessScore(s.StepScores, s.Score)).ToArray();
    }

    public void Dispose() => scorer.Dispose();
}
