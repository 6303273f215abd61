using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Eval;

/// <summary>Best-of-N scores from a frozen PRM: each (problem, response) gets the trajectory score r̂.</summary>
public static class PrmCompletionScorer
{
    public static DelegateCompletionScorer Load(PrmScorerOptions options, Device device)
    {
        if (string.IsNullOrEmpty(options.Path)) throw new ArgumentException("Best-of-N needs a PRM: set prm.path");
        var scorer = PrmScorerLoader.Load(options, device);
        return new DelegateCompletionScorer(items => scorer.Score(items).Select(s => s.Score).ToArray(), $"PRM {options.Path} ({options.Mode}, alpha {options.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})", scorer);
    }
}
