using ReasonFlux.Recipes.Options;

namespace ReasonFlux.Runs.Tests;

/// <summary>
/// A stage runner with the shape of a real trainer but no model: counts steps, logs metrics, checkpoints a
/// state file, honours the interrupt flag, and writes output/model.txt at the end.
/// </summary>
internal sealed class CountingRunner(StageKind kind, long steps, Action<long, StageContext>? onStep = null, bool writeOutput = true, Action? onSave = null) : IStageRunner
{
    public StageKind Kind => kind;

    public List<long> ResumedFrom { get; } = [];

    public StageOutcome Run(StageContext context)
    {
        long state = 0;
        if (context.ResumeFrom is { } ckpt)
        {
            state = long.Parse(File.ReadAllText(Path.Combine(ckpt.Path, "state.txt")));
            Assert.Equal(ckpt.Step, state);
            ResumedFrom.Add(ckpt.Step);
        }
        context.Progress.Start(context.Options.Name, steps, context.FirstStep);
        for (long step = context.FirstStep; step <= steps; step++)
        {
            onStep?.Invoke(step, context);
            state = step;
            context.ReportStep(step, new Dictionary<string, double> { [MetricNames.Reward] = step * 0.1, [MetricNames.Loss] = 1.0 / step }, step == steps);
            if (context.Interrupt.IsRequested)
            {
                Save(context, step, state);
                return StageOutcome.Interrupted;
            }
            if (context.ShouldSave(step)) Save(context, step, state);
        }
        if (writeOutput)
        {
            Directory.CreateDirectory(context.OutputDirectory);
            File.WriteAllText(Path.Combine(context.OutputDirectory, "model.txt"), state.ToString());
        }
        return StageOutcome.Completed;
    }

    private void Save(StageContext context, long step, long state) =>
        context.SaveCheckpoint(step, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "state.txt"), state.ToString());
            onSave?.Invoke();
        }, new Dictionary<string, string> { ["kind"] = "counting" });
}
