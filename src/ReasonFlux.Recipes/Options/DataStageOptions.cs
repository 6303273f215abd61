using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Shape of the quickstart's chain problems ("Compute 47 + 8 - 5 + 9.").</summary>
public sealed record QuickstartProblemOptions : IValidatedOptions
{
    [Doc("Fewest operations per problem.")]
    [ValueRange(1, 20)]
    public int MinOperations { get; init; } = 2;

    [Doc("Most operations per problem.")]
    [ValueRange(1, 20)]
    public int MaxOperations { get; init; } = 4;

    [Doc("Smallest operand.")]
    [ValueRange(1, 1_000_000)]
    public int MinOperand { get; init; } = 2;

    [Doc("Largest operand.")]
    [ValueRange(1, 1_000_000)]
    public int MaxOperand { get; init; } = 49;

    [Doc("Largest start and running value (every value stays in [0, max_value]).")]
    [ValueRange(1, 1_000_000)]
    public int MaxValue { get; init; } = 99;

    public void Validate(OptionsValidation v)
    {
        v.Require(MaxOperations >= MinOperations, "max_operations", $"is below min_operations ({MinOperations})");
        v.Require(MaxOperand >= MinOperand, "max_operand", $"is below min_operand ({MinOperand})");
        v.Require(MaxValue >= MinOperand, "max_value", $"is below min_operand ({MinOperand}): no operation would fit");
    }
}

/// <summary>Problems per file of the quickstart data.</summary>
public sealed record QuickstartSizeOptions
{
    [Doc("Clean worked solutions for SFT (sft.jsonl).")]
    [ValueRange(1, 10_000_000)]
    public int Sft { get; init; } = 2000;

    [Doc("GRPO prompts with answers (grpo.jsonl).")]
    [ValueRange(1, 10_000_000)]
    public int Grpo { get; init; } = 512;

    [Doc("Held-out evaluation problems (eval.jsonl).")]
    [ValueRange(1, 10_000_000)]
    public int Eval { get; init; } = 200;

    [Doc("Mixed-quality selection pool, one trace per problem (pool.jsonl).")]
    [ValueRange(1, 10_000_000)]
    public int Pool { get; init; } = 1200;

    [Doc("PRM training problems (prm.jsonl), each with a correct, a flawed and a wrong trace.")]
    [ValueRange(1, 10_000_000)]
    public int Prm { get; init; } = 800;

    [Doc("Share of correct traces in the pool; the rest is half flawed (right answer), half wrong.")]
    [ValueRange(0, 1)]
    public double PoolCorrectFraction { get; init; } = 1.0 / 3;
}

/// <summary>Generates a built-in task's data (the same files as <c>reasonflux make-data</c>).</summary>
public sealed record DataStageOptions : StageOptions
{
    public override StageKind Kind => StageKind.Data;

    [Doc("Which task to generate.")]
    public DataTask Task { get; init; } = DataTask.Quickstart;

    [Doc("Seed of the problems and traces; the same seed gives the same files.")]
    public long Seed { get; init; } = 1;

    public QuickstartProblemOptions Problems { get; init; } = new();
    public QuickstartSizeOptions Sizes { get; init; } = new();
    public LoggingOptions Logging { get; init; } = new();
}
