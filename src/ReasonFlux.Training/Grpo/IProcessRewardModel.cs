namespace ReasonFlux.Training.Grpo;

/// <summary>A frozen PRM's judgement of one completion: a score per step and the trajectory score r̂.</summary>
public sealed record ProcessScore(IReadOnlyList<double> StepScores, double TrajectoryScore);

/// <summary>What GRPO needs from a process reward model: scores for (problem, steps) pairs, batched.</summary>
public interface IProcessRewardModel : IDisposable
{
    IReadOnlyList<ProcessScore> Score(IReadOnlyList<(string Problem, IReadOnlyList<string> Steps)> items);
}
