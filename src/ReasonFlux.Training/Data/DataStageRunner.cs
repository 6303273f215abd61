using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;

namespace ReasonFlux.Training.Data;

/// <summary>
/// The data stage: generates a built-in task's files into the output folder, where later stages read them as
/// <c>${stages.NAME.output}/sft.jsonl</c> and so on. Generation takes a second, so it keeps no checkpoint.
/// </summary>
public sealed class DataStageRunner : StageRunner<DataStageOptions>
{
    public override StageKind Kind => StageKind.Data;

    protected override StageOutcome Run(DataStageOptions options, StageContext context)
    {
        var summary = TaskData.Write(options, context.OutputDirectory);
        context.Log.Information("data: {Task} seed {Seed}: {Files}; pool {Qualities}", options.Task, options.Seed,
            string.Join(", ", summary.Lines.Select(kv => $"{kv.Value} lines in {kv.Key}")),
            string.Join(", ", summary.PoolQualities.Select(kv => $"{kv.Value} {kv.Key}")));
        context.Metrics.Log(1, summary.Lines.ToDictionary(kv => "lines/" + Path.GetFileNameWithoutExtension(kv.Key), kv => (double)kv.Value));
        return StageOutcome.Completed;
    }
}
