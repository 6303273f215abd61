using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Benchmark evaluation with pass@1 over n samples and optional PRM Best-of-N.</summary>
public sealed record EvalOptions : StageOptions
{
    public override StageKind Kind => StageKind.Eval;

    [Doc("Model to evaluate.")]
    public ModelOptions Model { get; init; } = new();

    [Doc("Benchmark name (math500, aime24, aime25, amc23, gpqa-diamond with gpqa_csv) or a .jsonl file with problem and answer fields.")]
    public string Benchmark { get; init; } = "math500";

    [Doc("Your copy of the GPQA-Diamond CSV, for benchmark gpqa-diamond (required there, refused otherwise). The dataset is gated: " +
        "accept its terms at https://huggingface.co/datasets/Idavidrein/gpqa and download gpqa_diamond.csv (config gpqa_diamond).")]
    [Path(PathKind.File)]
    public string? GpqaCsv { get; init; }

    [Doc("Seed of the GPQA choice shuffle: each question's order of A-D is a function of its Record ID and this seed, the same on every run and machine.")]
    public long GpqaSeed { get; init; }

    [Doc("Evaluate on the first this many problems only; null: all.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? Limit { get; init; }

    [Doc("Samples per problem (accuracy is the mean over them; the paper averages 16 runs).")]
    [ValueRange(1, 1024)]
    public int N { get; init; } = 1;

    [Doc("Best-of-N: sample this many and keep the one the PRM scores highest; 1: off.")]
    [ValueRange(1, 1024)]
    public int BestOfN { get; init; } = 1;

    public SamplingOptions Sampling { get; init; } = new();

    [Doc("System turn of every prompt; null: \"Please reason step by step, and put your final answer within \\boxed{}.\" for math and none for GPQA; \"\": none.")]
    public string? SystemPrompt { get; init; }

    [Doc("PRM for best_of_n > 1.")]
    public PrmScorerOptions Prm { get; init; } = new();

    [Doc("Answer grader.")]
    public OutcomeGrader Grader { get; init; } = OutcomeGrader.MathEquivalence;

    [Doc("Seed for sampling.")]
    public long Seed { get; init; } = 42;

    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v)
    {
        BenchmarkNames.Validate(Benchmark, "benchmark", v);
        if (Benchmark == BenchmarkNames.GpqaDiamond)
            v.Require(!string.IsNullOrWhiteSpace(GpqaCsv), "gpqa_csv", BenchmarkNames.GpqaCsvHelp);
        else
            v.Require(GpqaCsv is null, "gpqa_csv", $"gpqa_csv is only read with benchmark: {BenchmarkNames.GpqaDiamond} (the benchmark is \"{Benchmark}\")");
        v.Require(BestOfN == 1 || !string.IsNullOrEmpty(Prm.Path), "prm.path", $"best_of_n is {BestOfN}: Best-of-N needs a PRM, set prm.path");
        v.Require(BestOfN == 1 || Sampling.Temperature > 0, "sampling.temperature", "best_of_n > 1 with temperature 0 samples the same response N times");
        v.Require(N == 1 || Sampling.Temperature > 0, "sampling.temperature", "n > 1 with temperature 0 samples the same response n times");
    }
}

/// <summary>The benchmark names a recipe may use; anything ending in .jsonl is a file path instead.</summary>
public static class BenchmarkNames
{
    /// <summary>The name that selects GPQA-Diamond, read from the user's CSV (<see cref="EvalOptions.GpqaCsv"/>).</summary>
    public const string GpqaDiamond = "gpqa-diamond";

    /// <summary>Where GPQA-Diamond comes from: it is gated, so it is never shipped.</summary>
    public const string GpqaCsvHelp =
        "benchmark gpqa-diamond needs your copy of the dataset: it is gated, so reasonflux does not ship it. Accept the terms at " +
        "https://huggingface.co/datasets/Idavidrein/gpqa, download gpqa_diamond.csv (config gpqa_diamond, 198 rows) and set gpqa_csv: PATH/gpqa_diamond.csv";

    /// <summary>Columns the GPQA CSV must have (the official file has these and more).</summary>
    public static readonly IReadOnlyList<string> GpqaColumns = ["Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"];

    /// <summary>Known names, matching the files in shared/benchmarks (gpqa-diamond is fetched by the user).</summary>
    public static readonly IReadOnlyList<string> Known = ["math500", "aime24", "aime25", "amc23", GpqaDiamond];

    /// <summary>True when the value names a file rather than a built-in benchmark.</summary>
    public static bool IsFile(string benchmark) => benchmark.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    internal static void Validate(string benchmark, string key, OptionsValidation v)
    {
        if (IsFile(benchmark) || Known.Contains(benchmark)) return;
        var suggestion = KeySuggester.Suggest(benchmark, Known);
        v.Error(key, $"unknown benchmark \"{benchmark}\"" + (suggestion is null ? "" : $"; did you mean \"{suggestion}\"?")
            + $" (known: {string.Join(", ", Known)}, or a path ending in .jsonl)");
    }
}
