using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>
/// One stage of a recipe. The concrete record (<see cref="SftOptions"/>, <see cref="PrmTrainOptions"/>,
/// <see cref="SelectOptions"/>, <see cref="GrpoOptions"/>, <see cref="EvalOptions"/>, <see cref="LabelOptions"/>, …) is chosen by the
/// <c>kind:</c> key; a stage runner receives it already validated.
/// </summary>
public abstract record StageOptions : IValidatedOptions
{
    /// <summary>Which stage this is (the <c>kind:</c> key).</summary>
    [NotAKey]
    public abstract StageKind Kind { get; }

    [Doc("Stage name: its folder under the run folder and NAME in ${stages.NAME.output}. Default: the kind.")]
    public string Name { get; init; } = "";

    public virtual void Validate(OptionsValidation validation) { }

    /// <summary>The options record type for a stage kind.</summary>
    public static Type TypeOf(StageKind kind) => kind switch
    {
        StageKind.Data => typeof(DataStageOptions),
        StageKind.Sft => typeof(SftOptions),
        StageKind.Prm => typeof(PrmTrainOptions),
        StageKind.Select => typeof(SelectOptions),
        StageKind.Grpo => typeof(GrpoOptions),
        StageKind.Eval => typeof(EvalOptions),
        StageKind.Label => typeof(LabelOptions),
        StageKind.Report => typeof(ReportOptions),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>What the stage leaves in its output folder, for docs and --dry-run.</summary>
    public static string OutputDescription(StageKind kind) => kind switch
    {
        StageKind.Data => "the generated task files: eval.jsonl, sft.jsonl, grpo.jsonl, pool.jsonl, prm.jsonl, prm_problems.jsonl (when sizes.prm_policy > 0) and data.json (see `reasonflux make-data --help`)",
        StageKind.Sft or StageKind.Grpo => "the trained model folder (config.json, tokenizer files, model.safetensors)",
        StageKind.Prm => "the trained PRM model folder",
        StageKind.Select => "selected.jsonl: the top_k pool records, best first, each with prm_score and with prompt/completion fields (completion = <think>trajectory</think> + response) ready for an sft stage",
        StageKind.Eval => "results.jsonl (one record per problem) and summary.json",
        StageKind.Label => "prm.jsonl (one line per kept sample: question, steps = the think steps then the response, step_targets, final_target; a prm stage's data.train) and summary.json (counts, dropped samples, label counts, answer accuracy)",
        StageKind.Report => "report.md, report.json and the training curves as PNG files (curves/)",
        _ => "",
    };
}

/// <summary>Data of a supervised fine-tuning stage.</summary>
public sealed record SftDataOptions
{
    [Doc("Training set (.jsonl, one example per line): {prompt, completion} (keys below) or {\"messages\": [{role, content}, ...]} ending with an assistant turn; with completion_only_loss every assistant turn is a target and nothing else is.")]
    [Required, Path(PathKind.File)]
    public string Train { get; init; } = "";

    [Doc("Field holding the prompt (user turn).")]
    public string PromptKey { get; init; } = "prompt";

    [Doc("Field holding the target completion (assistant turn).")]
    public string CompletionKey { get; init; } = "completion";

    [Doc("Truncate prompt + completion to this many tokens.")]
    [ValueRange(8, double.PositiveInfinity)]
    public int MaxSeqLen { get; init; } = 4096;

    [Doc("Loss on completion tokens only (prompt tokens masked).")]
    public bool CompletionOnlyLoss { get; init; } = true;

    [Doc("Shuffle examples each epoch (seeded by training.seed).")]
    public bool Shuffle { get; init; } = true;

    [Doc("Pack several examples into each row of up to max_seq_len tokens (first fit, longest first; an example is never split), so short examples stop paying for padding. Each example keeps its own position ids and attends only to itself, so the loss and gradient equal the unpacked ones. The step still draws micro_batch_size × grad_accumulation examples; they are packed, then each forward pass takes micro_batch_size packed rows (or rows up to max_tokens_per_micro_batch).")]
    public bool Packing { get; init; }

    [Doc("Held-out set (.jsonl, same format as train): its mean token loss is logged as eval_loss before the first step, every eval_every steps and after the last; null: none.")]
    [Path(PathKind.File)]
    public string? Eval { get; init; }

    [Doc("Steps between eval_loss measurements on data.eval; 0: only before the first step and after the last. Only valid with data.eval.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int EvalEvery { get; init; }
}

/// <summary>Supervised fine-tuning of a policy.</summary>
public sealed record SftOptions : StageOptions
{
    public override StageKind Kind => StageKind.Sft;

    [Doc("Model to fine-tune.")]
    public ModelOptions Model { get; init; } = new();
    public SftDataOptions Data { get; init; } = new();
    public OptimizerOptions Optimizer { get; init; } = new() { Lr = 1e-5, WarmupSteps = 0, Schedule = LrSchedule.Cosine };
    public TrainingOptions Training { get; init; } = new();
    public CheckpointOptions Checkpoint { get; init; } = new();
    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v)
    {
        v.Require(Data.Eval is not null || Data.EvalEvery == 0, "data.eval_every", "only applies with data.eval (a held-out set)");
        PrecisionRules.Validate(Model, Optimizer, v);
    }
}

/// <summary>Data of a PRM training stage.</summary>
public sealed record PrmDataOptions
{
    [Doc("Training set (.jsonl): question, steps, per-step targets and a trajectory target per line.")]
    [Required, Path(PathKind.File)]
    public string Train { get; init; } = "";

    [Doc("Field holding the question.")]
    public string QuestionKey { get; init; } = "question";

    [Doc("Field holding the list of reasoning steps (strings).")]
    public string StepsKey { get; init; } = "steps";

    [Doc("Field holding the per-step targets in [0, 1]; null marks an unlabelled step (no loss term), e.g. PRM800K's steps after the first wrong one.")]
    public string StepTargetsKey { get; init; } = "step_targets";

    [Doc("Field holding the trajectory-level target in [0, 1]; null: unlabelled (two-class head only; prm-data writes null when it has no final target).")]
    public string FinalTargetKey { get; init; } = "final_target";

    [Doc("Truncate inputs to this many tokens.")]
    [ValueRange(8, double.PositiveInfinity)]
    public int MaxSeqLen { get; init; } = 4096;

    [Doc("Shuffle examples each epoch.")]
    public bool Shuffle { get; init; } = true;

    [Doc("Held-out set (.jsonl, same format as train): its loss (λ_step · step term + λ_final · trajectory term, per example) is logged as eval_loss before the first step, every eval_every steps and after the last; null: none.")]
    [Path(PathKind.File)]
    public string? Eval { get; init; }

    [Doc("Steps between eval_loss measurements on data.eval; 0: only before the first step and after the last. Only valid with data.eval.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int EvalEvery { get; init; }
}

/// <summary>PRM objective (reasonflux-prm.md §3.3).</summary>
public sealed record PrmLossOptions : IValidatedOptions
{
    [Doc("Weight of the step-level term (unknown in the paper; 1 is a neutral choice).")]
    [ValueRange(0, 100)]
    public double LambdaStep { get; init; } = 1.0;

    [Doc("Weight of the trajectory-level term.")]
    [ValueRange(0, 100)]
    public double LambdaFinal { get; init; } = 1.0;

    [Doc("mse (the paper) or bce on P(class 1).")]
    public PrmLoss Loss { get; init; } = PrmLoss.Mse;

    public void Validate(OptionsValidation v) =>
        v.Require(LambdaStep + LambdaFinal > 0, "lambda_step", "lambda_step and lambda_final are both 0: nothing to train");
}

/// <summary>How a trained two-class PRM reads each step; written into its config.json, so every stage that loads it reads it the same way.</summary>
public sealed record PrmReadoutOptions
{
    [Doc("separator: P(class 1) at the separator token after each step (ReasonFlux-PRM-7B); step-end: at the step's own last token.")]
    public PrmReadAt At { get; init; } = PrmReadAt.Separator;

    [Doc("Text the backbone reads in place of each separator token, e.g. \"\\n\\n\" (what the policy wrote between steps); null: the separator token itself.")]
    public string? SeparatorShownAs { get; init; }

    [Doc("The head also reads the backbone's own log-probability of the token where it reads, as [max(log p, -20) / 5, p] after the hidden state (score.0 then takes hidden_size + 2 inputs).")]
    public bool TokenLikelihood { get; init; }

    [Doc("The head also reads the lowest log-probability the backbone gives any token of the step (its first token to where it is read), as [max(min log p, -20) / 5, its p]: two more inputs.")]
    public bool StepMinLikelihood { get; init; }

    /// <summary>The paper's readout: at the separator, the separator token shown, no likelihood input.</summary>
    public bool IsPaper => this == new PrmReadoutOptions();
}

/// <summary>Training a process reward model.</summary>
public sealed record PrmTrainOptions : StageOptions
{
    public override StageKind Kind => StageKind.Prm;

    [Doc("Backbone to train (e.g. Qwen2.5-1.5B-Instruct or -7B-Instruct).")]
    public ModelOptions Model { get; init; } = new();

    [Doc("two-class: token head read at step separators (PRM-7B); scalar: sigmoid head (PRM-1.5B).")]
    public PrmHead Head { get; init; } = PrmHead.TwoClass;

    [Doc("Separator inserted after each step; its token carries the step label.")]
    public string StepSeparator { get; init; } = "<extra_0>";

    public PrmReadoutOptions Readout { get; init; } = new();

    [Doc("Train the head only: the backbone keeps the base model's weights (no gradients, no optimizer state).")]
    public bool FreezeBase { get; init; }

    public PrmDataOptions Data { get; init; } = new();
    public PrmLossOptions Loss { get; init; } = new();
    public OptimizerOptions Optimizer { get; init; } = new() { Lr = 1e-5, Schedule = LrSchedule.Cosine };
    public TrainingOptions Training { get; init; } = new();
    public CheckpointOptions Checkpoint { get; init; } = new();
    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v)
    {
        v.Require(StepSeparator.Length > 0, "step_separator", "must not be empty");
        v.Require(Data.Eval is not null || Data.EvalEvery == 0, "data.eval_every", "only applies with data.eval (a held-out set)");
        v.Require(Head == PrmHead.TwoClass || Readout.IsPaper, "readout", "applies to the two-class head only; a scalar head reads the last token");
        v.Require(Readout.SeparatorShownAs is null || Readout.SeparatorShownAs.Length > 0, "readout.separator_shown_as", "is empty; leave it out to show the separator token itself");
        v.Require(!(FreezeBase && Model.GradientCheckpointing), "model.gradient_checkpointing",
            "is true, but with freeze_base no backward pass goes through the decoder, so there is nothing to recompute: set it to false");
        PrecisionRules.Validate(Model, Optimizer, v);
    }
}

/// <summary>The pool a selection stage scores.</summary>
public sealed record SelectDataOptions
{
    [Doc("Pool of (question, trajectory, response) records (.jsonl).")]
    [Required, Path(PathKind.File)]
    public string Pool { get; init; } = "";

    [Doc("Field holding the question.")]
    public string QuestionKey { get; init; } = "question";

    [Doc("Field holding the thinking trajectory.")]
    public string TrajectoryKey { get; init; } = "trajectory";

    [Doc("Field holding the final response.")]
    public string ResponseKey { get; init; } = "response";
}

/// <summary>Offline data selection: score a pool with a PRM and keep the best (reasonflux-prm.md §4).</summary>
public sealed record SelectOptions : StageOptions
{
    public override StageKind Kind => StageKind.Select;

    [Doc("The scoring PRM (path required).")]
    public PrmScorerOptions Prm { get; init; } = new();
    public SelectDataOptions Data { get; init; } = new();

    [Doc("prm: keep the PRM's top_k; random: a seeded uniform sample of top_k records (the baseline; no PRM).")]
    public SelectMethod Method { get; init; } = SelectMethod.Prm;

    [Doc("Seed of method: random (null: 42); method: prm takes none.")]
    public long? Seed { get; init; }

    [Doc("Records kept (the paper's main result: 1000).")]
    [ValueRange(1, double.PositiveInfinity)]
    public int TopK { get; init; } = 1000;

    public LoggingOptions Logging { get; init; } = new();

    public override void Validate(OptionsValidation v)
    {
        if (Method == SelectMethod.Prm)
        {
            v.Require(!string.IsNullOrEmpty(Prm.Path), "prm.path", "a select stage needs a PRM: set prm.path");
            v.Require(Seed is null, "seed", "method: prm ranks by score and draws nothing at random; remove seed");
        }
        else
            v.Require(string.IsNullOrEmpty(Prm.Path), "prm.path", "method: random uses no PRM; remove prm.path");
    }
}
