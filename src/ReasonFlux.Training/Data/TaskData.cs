using ReasonFlux.Recipes.Options;
using ReasonFlux.Tasks.Arithmetic;

namespace ReasonFlux.Training.Data;

/// <summary>Writes a built-in task's files from a data stage's options (the data stage and the make-data verb).</summary>
public static class TaskData
{
    public static QuickstartTaskSummary Write(DataStageOptions options, string directory) => options.Task switch
    {
        DataTask.Quickstart => QuickstartTaskWriter.Write(directory, options.Seed, Shape(options.Problems), Sizes(options.Sizes)),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Task, "unknown task"),
    };

    private static ArithmeticTaskShape Shape(QuickstartProblemOptions p) => new()
    {
        MinOperations = p.MinOperations,
        MaxOperations = p.MaxOperations,
        MinOperand = p.MinOperand,
        MaxOperand = p.MaxOperand,
        MinValue = p.MinValue,
        MaxValue = p.MaxValue,
        Carries = p.Carries,
    };

    private static QuickstartTaskSizes Sizes(QuickstartSizeOptions s) => new()
    {
        Sft = s.Sft,
        Grpo = s.Grpo,
        Eval = s.Eval,
        Pool = s.Pool,
        Prm = s.Prm,
        PrmPolicy = s.PrmPolicy,
        PoolCorrectFraction = s.PoolCorrectFraction,
    };
}
