namespace ReasonFlux.Training.Eval;

/// <summary>
/// Scores whole responses for Best-of-N (a process reward model such as ReasonFlux-PRM, or any verifier):
/// higher is better. The evaluator passes every (problem, response) pair of a run in one call so the scorer
/// can batch; it must return one score per item, in order (NaN for an item it cannot score: it is never chosen
/// unless every candidate is NaN).
/// </summary>
public interface ICompletionScorer
{
    /// <summary>One score per item, in order.</summary>
    double[] Score(IReadOnlyList<(string Problem, string Response)> items);
}
