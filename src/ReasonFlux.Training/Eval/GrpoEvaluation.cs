using System.Collections.Concurrent;
using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// Periodic evaluation inside GRPO training, with the shape of <c>GrpoRunner.Evaluate</c>: evaluates the policy on
/// the eval section's benchmark (math-equivalence grading, the training seed, so every evaluation samples alike)
/// and returns "BENCHMARK/accuracy", "BENCHMARK/pass@k", "BENCHMARK/maj@k", … (the trainer adds "eval/").
/// Benchmarks are loaded once per (name, limit) and reused.
/// </summary>
public static class GrpoEvaluation
{
    private static readonly ConcurrentDictionary<(string, int?), EvalBenchmark> Benchmarks = new();

    /// <summary>Evaluates <paramref name="policy"/> per <see cref="GrpoOptions.Eval"/>; <paramref name="step"/> is the training step.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(LanguageModel policy, GrpoOptions options, long step)
    {
        var eval = options.Eval;
        var benchmark = Benchmarks.GetOrAdd((eval.Benchmark, eval.Limit), key => EvalBenchmark.Load(key.Item1, limit: key.Item2));
        var result = Evaluator.Run(policy, benchmark, EvalSettings.FromOptions(eval, options.Training.Seed));
        return result.ToMetrics(benchmark.Name + "/");
    }
}
