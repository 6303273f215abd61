using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>
/// A miniature of the paper's tables from earlier stages: each key names an eval stage's output folder (usually
/// <c>${stages.NAME.output}</c>), whose summary.json gives pass@1, maj@k and Best-of-N. Unset keys leave their row
/// out, so a recipe that runs a subset of stages still gets a report.
/// </summary>
public sealed record ReportOptions : StageOptions
{
    public override StageKind Kind => StageKind.Report;

    [Doc("Title of report.md.")]
    public string Title { get; init; } = "ReasonFlux-PRM in miniature";

    [Doc("Eval output of the SFT policy (the baseline row).")]
    [Path(PathKind.Directory)]
    public string? Sft { get; init; }

    [Doc("Eval output of SFT on the PRM's top-K of the pool (Table 2).")]
    [Path(PathKind.Directory)]
    public string? SelectPrmTopk { get; init; }

    [Doc("Eval output of SFT on a random K of the pool (Table 2's baseline).")]
    [Path(PathKind.Directory)]
    public string? SelectRandom { get; init; }

    [Doc("Eval output of GRPO with the outcome reward only (Table 3).")]
    [Path(PathKind.Directory)]
    public string? GrpoOutcome { get; init; }

    [Doc("Eval output of GRPO with outcome + PRM rewards (Table 3).")]
    [Path(PathKind.Directory)]
    public string? GrpoOutcomePrm { get; init; }

    [Doc("Eval output with Best-of-N by PRM (best_of_n > 1) for the Best-of-N vs majority figure (Figure 5).")]
    [Path(PathKind.Directory)]
    public string? BestOfN { get; init; }

    [Doc("Selection outputs whose selected.jsonl is summarised (pool quality of the kept records): [top-K, random].")]
    public IReadOnlyList<string> Selections { get; init; } = [];

    [Doc("Output folders of training stages whose metrics.jsonl are drawn as PNG curves.")]
    public IReadOnlyList<string> Curves { get; init; } = [];

    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v) =>
        v.Require(Sft is not null || SelectPrmTopk is not null || SelectRandom is not null || GrpoOutcome is not null
            || GrpoOutcomePrm is not null || BestOfN is not null || Curves.Count > 0, "sft", "a report stage needs at least one eval output or curve to report");
}
