using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Runs;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Select;

/// <summary>
/// The select stage: scores the pool with the PRM (or, with method: random, draws a seeded sample) and writes selected.jsonl (top_k records, best first, with
/// prm_score and prompt/completion for an sft stage), scores.jsonl and score_histogram.svg into the output folder.
/// Scoring runs in chunks; on SIGTERM/SIGINT the scores so far are checkpointed and a resumed run scores only the rest.
/// </summary>
public sealed class SelectRunner : StageRunner<SelectOptions>
{
    /// <summary>Pool records scored per chunk (one progress step, one interrupt check).</summary>
    public int ChunkSize { get; init; } = 256;

    public const string PartialScoresFile = "scores.partial.jsonl";

    /// <summary>Called after each scored chunk with the chunk's step number, before the interrupt check.</summary>
    public Action<long, StageContext>? AfterChunk { get; init; }

    public override StageKind Kind => StageKind.Select;

    protected override StageOutcome Run(SelectOptions o, StageContext context)
    {
        var keys = new SelectionKeys(o.Data.QuestionKey, o.Data.TrajectoryKey, o.Data.ResponseKey);
        int count = SelectionPool.Validate(o.Data.Pool, keys, o.Prm.StepSeparator);
        PrmDataSelection.CheckTopK(o.Data.Pool, count, o.TopK);
        if (o.Method == SelectMethod.Random)
        {
            Directory.CreateDirectory(context.OutputDirectory);
            long seed = o.Seed ?? 42;
            int kept = RandomSelection.Write(o.Data.Pool, keys, o.Prm.StepSeparator, count, o.TopK, seed, SelectionOutputs.InDirectory(context.OutputDirectory).Selected);
            context.Log.Information("select: kept a random {Kept} of {Pool} (seed {Seed}), no PRM", kept, count, seed);
            return StageOutcome.Completed;
        }

        var scores = new List<PoolItemScore>(count);
        if (context.ResumeFrom is { } resume)
        {
            foreach (var r in JsonlReader.Read(Path.Combine(resume.Path, PartialScoresFile))) scores.Add(PoolItemScore.FromJson(r));
            if (scores.Count > count || scores.Select((s, i) => s.Index != i).Any(x => x))
                throw new InvalidDataException($"{resume.Path}: its scores do not fit the pool {o.Data.Pool} ({count} records); was the pool changed?");
            context.Log.Information("select: resuming with {Done} of {Count} records scored", scores.Count, count);
        }

        using var scorer = PrmScorerLoader.Load(o.Prm, PrmScorerLoader.DeviceOf(o.Prm, "prm.device", context.Distributed.LocalRank), context.Folder.Path);
        context.Log.Information("select: scoring {Count} records with {Prm} ({Head}, {Mode}, alpha {Alpha}) on {Device}; keeping {TopK}",
            count, scorer.Source, scorer.Head, scorer.Options.Mode, scorer.Options.Alpha, scorer.Device, o.TopK);
        long totalSteps = (count + ChunkSize - 1) / ChunkSize;
        context.Progress.Start(o.Name, totalSteps, context.FirstStep);
        long step = scores.Count / ChunkSize;
        bool interrupted = false;
        bool complete = PrmDataSelection.ScorePool(scorer, o.Data.Pool, keys, scores, ChunkSize, done =>
        {
            step++;
            context.ReportStep(step, new Dictionary<string, double>
            {
                ["scored"] = done,
                ["score/mean"] = scores.Average(s => s.Score),
            }, done == count);
            AfterChunk?.Invoke(step, context);
            if (!context.Interrupt.IsRequested || done == count) return true;
            context.SaveCheckpoint(step, dir =>
            {
                using var writer = new JsonlWriter(Path.Combine(dir, PartialScoresFile));
                foreach (var s in scores) writer.Write(s.ToJson());
                writer.Commit();
            }, new Dictionary<string, string> { ["kind"] = "select" });
            interrupted = true;
            return false;
        });
        if (!complete) return interrupted ? StageOutcome.Interrupted : throw new InvalidOperationException("select: scoring stopped early");

        Directory.CreateDirectory(context.OutputDirectory);
        var summary = PrmDataSelection.WriteResults(o.Data.Pool, keys, o.Prm.StepSeparator, scores, o.TopK, SelectionOutputs.InDirectory(context.OutputDirectory));
        context.Log.Information("select: kept {Kept} of {Pool} (threshold {Threshold:0.####}, mean score {Mean:0.####}, kept mean {KeptMean:0.####}, {Truncated} inputs truncated)",
            summary.Selected, summary.PoolSize, summary.Threshold, summary.MeanScore, summary.MeanSelectedScore, summary.Truncated);
        return StageOutcome.Completed;
    }
}
