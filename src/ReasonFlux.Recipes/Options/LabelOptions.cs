using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>The problems a label stage samples the policy on.</summary>
public sealed record LabelDataOptions
{
    [Doc("Problems (.jsonl, eval.jsonl's format): {\"problem\", \"answer\"} per line, \"id\" optional (default: L<line>); a data stage's prm_problems.jsonl. Each problem text must be one the task's checker can read, and its answer the chain's.")]
    [Required, Path(PathKind.File)]
    public string Problems { get; init; } = "";
}

/// <summary>
/// On-policy PRM training data (Math-Shepherd style): samples the policy on problems with known chains, as an eval
/// stage would, and labels every think step by checking it; writes prm.jsonl in a prm stage's data.train format.
/// </summary>
public sealed record LabelOptions : StageOptions
{
    public override StageKind Kind => StageKind.Label;

    [Doc("The policy sampled (an eval stage's model section; the prompts are rendered as an eval stage renders them, so the samples are the policy's eval-time distribution).")]
    public ModelOptions Model { get; init; } = new();

    public LabelDataOptions Data { get; init; } = new();

    [Doc("Which checker labels the steps: quickstart parses each problem text (\"Compute 74 + 3 + 1 - 5.\") into its chain and a think step is right when it is the chain's step at that position, computed right.")]
    public DataTask Task { get; init; } = DataTask.Quickstart;

    [Doc("Samples per problem (each one line of prm.jsonl unless it is dropped: no </think>, no think steps or no response).")]
    [ValueRange(1, 1024)]
    public int Samples { get; init; } = 1;

    public SamplingOptions Sampling { get; init; } = new();

    [Doc("first-error: after the first wrong think step every target (later steps, the response) and final_target are null (PRM800K's convention); all: every target is 1 or 0.")]
    public StepLabels Labels { get; init; } = StepLabels.FirstError;

    [Doc("Seed for sampling (and a builtin: model's initial weights); the same recipe writes the same prm.jsonl.")]
    public long Seed { get; init; } = 42;

    [Doc("System turn of every prompt, as in an eval stage; null: \"Please reason step by step, and put your final answer within \\boxed{}.\"; \"\": none.")]
    public string? SystemPrompt { get; init; }

    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v)
    {
        v.Require(Samples == 1 || Sampling.Temperature > 0, "sampling.temperature", $"samples is {Samples} with temperature 0: every sample of a problem would be the same text");
        // Each task needs a checker that reads its problem texts; only the quickstart's chains have one.
        v.Require(Task == DataTask.Quickstart, "task", $"{SchemaNames.EnumName(Task)} has no step checker; a label stage supports task: quickstart");
    }
}
