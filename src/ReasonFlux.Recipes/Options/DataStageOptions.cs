using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Shape of the quickstart's chain problems ("Compute 47 + 2 - 5 + 3."); the defaults are recipes/quickstart.yaml's.</summary>
public sealed record QuickstartProblemOptions : IValidatedOptions
{
    [Doc("Fewest operations per problem.")]
    [ValueRange(1, 20)]
    public int MinOperations { get; init; } = 3;

    [Doc("Most operations per problem.")]
    [ValueRange(1, 20)]
    public int MaxOperations { get; init; } = 3;

    [Doc("Smallest operand.")]
    [ValueRange(1, 1_000_000)]
    public int MinOperand { get; init; } = 1;

    [Doc("Largest operand.")]
    [ValueRange(1, 1_000_000)]
    public int MaxOperand { get; init; } = 9;

    [Doc("Smallest start and running value; 10 with max_value 99 keeps every number two digits wide.")]
    [ValueRange(0, 1_000_000)]
    public int MinValue { get; init; } = 10;

    [Doc("Largest start and running value (every value stays in [min_value, max_value]).")]
    [ValueRange(1, 1_000_000)]
    public int MaxValue { get; init; } = 99;

    [Doc("Allow steps that carry (addition) or borrow (subtraction) in some digit; false: every step works digit by digit.")]
    public bool Carries { get; init; }

    public void Validate(OptionsValidation v)
    {
        v.Require(MaxOperations >= MinOperations, "max_operations", $"is below min_operations ({MinOperations})");
        v.Require(MaxOperand >= MinOperand, "max_operand", $"is below min_operand ({MinOperand})");
        v.Require(MaxValue >= MinValue, "max_value", $"is below min_value ({MinValue})");
        v.Require(MaxValue - MinValue >= MinOperand, "max_value", $"minus min_value ({MinValue}) is below min_operand ({MinOperand}): no operation would fit");
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
    public int Eval { get; init; } = 100;

    [Doc("Mixed-quality selection pool, one trace per problem (pool.jsonl).")]
    [ValueRange(1, 10_000_000)]
    public int Pool { get; init; } = 600;

    [Doc("PRM training problems (prm.jsonl), each with a correct, a flawed and a wrong trace.")]
    [ValueRange(1, 10_000_000)]
    public int Prm { get; init; } = 400;

    [Doc("Problems for on-policy PRM data (prm_problems.jsonl, {id, problem, answer}, drawn after every other file's so those stay the same): a label stage samples the policy on them and labels each step by checking it; 0: not written.")]
    [ValueRange(0, 10_000_000)]
    public int PrmPolicy { get; init; }

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
