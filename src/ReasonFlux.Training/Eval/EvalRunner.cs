using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// The <c>eval</c> stage of a recipe: loads the model (a folder, an earlier stage's output or builtin:NAME),
/// evaluates the benchmark with <see cref="Evaluator"/>, writes problems.jsonl, summary.json and summary.md into the
/// stage's output folder and logs the metrics as step 1. An evaluation keeps no checkpoint: when interrupted it
/// stops between generation batches and, on resume, starts again from the beginning.
/// </summary>
/// <param name="prmFactory">
/// Builds the Best-of-N scorer from the stage's prm section on a device (a layer that knows the PRM type supplies
/// it); null: a stage with best_of_n &gt; 1 fails with a clear error.
/// </param>
public sealed class EvalRunner(Func<PrmScorerOptions, Device, ICompletionScorer>? prmFactory = null) : StageRunner<EvalOptions>
{
    public override StageKind Kind => StageKind.Eval;

    protected override StageOutcome Run(EvalOptions options, StageContext ctx)
    {
        var benchmark = EvalBenchmark.Load(options.Benchmark, options.GpqaCsv, options.Limit, gpqaSeed: options.GpqaSeed);
        var settings = EvalSettings.FromOptions(options);
        if (settings.BestOfN > 0 && prmFactory is null)
            throw new NotSupportedException($"stage \"{options.Name}\": best_of_n is {options.BestOfN} but PRM scoring is not wired into this build of reasonflux");

        var device = ModelResolver.DeviceOf(options.Model, ctx.Distributed.LocalRank);
        using var model = ModelResolver.LoadPolicy(options.Model, Path.Combine(ctx.Folder.Path, "work"), options.Seed, device);
        ModelResolver.WarnUnusedTensors(model, ctx.Log);
        var scorer = settings.BestOfN > 0 ? prmFactory!(options.Prm, Prm.PrmScorerLoader.DeviceOf(options.Prm, "prm.device", ctx.Distributed.LocalRank, device)) : null;
        try
        {
            ctx.Log.Information("evaluating {Model} on {Benchmark}: {Problems} problems × {Samples} samples",
                options.Model.Path, benchmark.Name, benchmark.Items.Count, settings.EffectiveSamples);
            EvalResult result;
            try
            {
                result = Evaluator.ForModel(model, modelName: options.Model.Path).Evaluate(benchmark, settings, scorer, ctx.Progress, ctx.Interrupt.Token);
            }
            catch (OperationCanceledException) when (ctx.Interrupt.IsRequested)
            {
                ctx.Log.Warning("evaluation stopped; it keeps no checkpoint and starts again from the first problem on resume");
                return StageOutcome.Interrupted;
            }
            EvalReport.Write(result, ctx.OutputDirectory);
            var metrics = result.ToMetrics(result.MetricPrefix);
            ctx.Metrics.Log(1, metrics);
            ctx.Log.Information("{Benchmark}: pass@1 {PassAt1:P2}, maj@{K} {Maj:P2}{BestOfN}; mean length {Length:F0} tokens, {Truncated:P1} truncated, {TokensPerSecond:F0} tokens/s; {Output}",
                benchmark.Name, result.PassAt1, result.SamplesPerProblem, result.MajorityAtK[result.SamplesPerProblem],
                result.BestOfN is null ? "" : $", best-of-{result.BestOfN.Keys.Max()} {result.BestOfN[result.BestOfN.Keys.Max()]:P2}",
                result.MeanResponseTokens, result.TruncationRate, result.TokensPerSecond, ctx.OutputDirectory);
            ctx.Log.Information("evaluation summary\n{Table}", EvalSummaryTable.Format([result]));
            return StageOutcome.Completed;
        }
        finally
        {
            (scorer as IDisposable)?.Dispose();
        }
    }
}
