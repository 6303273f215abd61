using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>The model a stage loads.</summary>
public sealed record ModelOptions : IValidatedOptions
{
    [Doc("Model folder (config.json, tokenizer.json, *.safetensors) or builtin:NAME for a model embedded in reasonflux. Relative paths resolve against the working directory.")]
    [Required, Path(PathKind.Model)]
    public string Path { get; init; } = "";

    [Doc("Compute dtype of the parameters and activations. With bfloat16/float16 a training stage keeps master weights and AdamW moments in optimizer.master_dtype.")]
    public ModelDType Dtype { get; init; } = ModelDType.BFloat16;

    [Doc("Dtype of the model a training stage writes as its output; null: the model folder's own torch_dtype. Checkpoints always hold the master weights.")]
    public ModelDType? SaveDtype { get; init; }

    [Doc("Recompute activations in backward to save memory (training stages only).")]
    public bool GradientCheckpointing { get; init; } = true;

    [Doc("Chat template file (.jinja); null: the one in the model folder's tokenizer_config.json.")]
    [Path(PathKind.File)]
    public string? ChatTemplate { get; init; }

    [Doc("Device of the model: auto (this rank's GPU, cuda:LOCAL_RANK, when libtorch has CUDA, else the CPU), cpu, cuda or cuda:N. A GRPO stage's frozen reference model and PRM share it unless algorithm.reference_device or reward.prm.device say otherwise.")]
    public string Device { get; init; } = "auto";

    public void Validate(OptionsValidation v) =>
        v.Require(DeviceNames.IsValid(Device), "device", DeviceNames.NotADevice(Device));
}

/// <summary>The spellings model.device accepts.</summary>
public static class DeviceNames
{
    public const string Auto = "auto";

    public static bool IsValid(string text) =>
        text is Auto or "cpu" or "cuda" || (text.StartsWith("cuda:", StringComparison.Ordinal) && text.Length > 5 && text[5..].All(char.IsAsciiDigit));

    /// <summary>The validation message for a device key whose value <see cref="IsValid"/> refuses.</summary>
    public static string NotADevice(string text) => $"\"{text}\" is not a device: expected auto, cpu, cuda or cuda:N";
}

/// <summary>AdamW and its learning-rate schedule.</summary>
public sealed record OptimizerOptions : IValidatedOptions
{
    [Doc("Peak learning rate.")]
    [ValueRange(0, 1, MinExclusive = true)]
    public double Lr { get; init; } = 1e-5;

    [Doc("AdamW beta1.")]
    [ValueRange(0, 1, MaxExclusive = true)]
    public double Beta1 { get; init; } = 0.9;

    [Doc("AdamW beta2.")]
    [ValueRange(0, 1, MaxExclusive = true)]
    public double Beta2 { get; init; } = 0.999;

    [Doc("AdamW epsilon.")]
    [ValueRange(0, 1, MinExclusive = true)]
    public double Eps { get; init; } = 1e-8;

    [Doc("Decoupled weight decay.")]
    [ValueRange(0, 1)]
    public double WeightDecay { get; init; } = 0.01;

    [Doc("Schedule after warmup.")]
    public LrSchedule Schedule { get; init; } = LrSchedule.Constant;

    [Doc("Optimizer steps of linear warmup from 0 to lr.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int WarmupSteps { get; init; }

    [Doc("Final learning rate of the linear/cosine schedule as a fraction of lr.")]
    [ValueRange(0, 1)]
    public double MinLrRatio { get; init; }

    [Doc("Dtype of the master weights and AdamW moments kept for parameters narrower than it (model.dtype bfloat16/float16); each step updates them and casts back. Must be at least as wide as model.dtype.")]
    public ModelDType MasterDtype { get; init; } = ModelDType.Float32;

    [Doc("Clip the global gradient norm to this value; 0 disables clipping.")]
    [ValueRange(0, double.PositiveInfinity)]
    public double MaxGradNorm { get; init; } = 1.0;

    public void Validate(OptionsValidation v) =>
        v.Require(Schedule != LrSchedule.Constant || MinLrRatio == 0, "min_lr_ratio", "only applies to the linear and cosine schedules; remove it or set schedule");
}

/// <summary>Batching and length of a supervised training stage (sft, prm).</summary>
public sealed record TrainingOptions
{
    [Doc("Optimizer steps to run; null: derived from epochs and the training set size.")]
    [ValueRange(1, double.PositiveInfinity)]
    public long? Steps { get; init; }

    [Doc("Passes over the training set when steps is null.")]
    [ValueRange(0, 1000, MinExclusive = true)]
    public double Epochs { get; init; } = 1;

    [Doc("Sequences per forward/backward pass.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MicroBatchSize { get; init; } = 1;

    [Doc("Micro-batches accumulated per optimizer step (global batch = micro_batch_size × grad_accumulation).")]
    [ValueRange(1, double.PositiveInfinity)]
    public int GradAccumulation { get; init; } = 8;

    [Doc("Split each optimizer step's global batch into passes of at most this many padded tokens (sequences × longest), longest sequences first, instead of micro_batch_size sequences each; null: micro_batch_size. The loss is normalised over the whole step, so the gradient is the same.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? MaxTokensPerMicroBatch { get; init; }

    [Doc("Seed for data order, initialisation and sampling.")]
    public long Seed { get; init; } = 42;

    [Doc("Optimizer steps in a row with a non-finite loss or gradient norm (each skipped, weights unchanged) before the run stops with exit code 3.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MaxConsecutiveSkips { get; init; } = 5;

    /// <summary>Sequences per optimizer step.</summary>
    public long GlobalBatch => (long)MicroBatchSize * GradAccumulation;
}

/// <summary>Periodic checkpoints of a training stage (checkpoints/README.md).</summary>
public sealed record CheckpointOptions
{
    [Doc("Write step-N/ every this many steps; 0: only at the end and on SIGTERM/SIGINT.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int SaveEvery { get; init; } = 50;

    [Doc("Keep only the newest this many step-N/ folders.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int KeepLast { get; init; } = 3;
}

/// <summary>Console/file logging, metrics and TensorBoard.</summary>
public sealed record LoggingOptions
{
    [Doc("Write metrics.jsonl, TensorBoard and a progress line every this many steps.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int LogEvery { get; init; } = 1;

    [Doc("Also write TensorBoard event files next to metrics.jsonl.")]
    public bool Tensorboard { get; init; } = true;

    [Doc("auto: live bar on an interactive terminal, plain log lines otherwise.")]
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    [Doc("Minimum level for the console and run.log.")]
    public LogLevel Level { get; init; } = LogLevel.Information;
}

/// <summary>A frozen ReasonFlux-PRM used as a scorer (GRPO reward, data selection, Best-of-N).</summary>
public record PrmScorerOptions : IValidatedOptions
{
    [Doc("PRM model folder (e.g. ReasonFlux-PRM-7B) or builtin:NAME; null: no PRM.")]
    [Path(PathKind.Model)]
    public string? Path { get; init; }

    [Doc("paper: step scores at each separator, mean + alpha · final; released-code: one score at the last token (reasonflux-prm.md §5.4).")]
    public PrmMode Mode { get; init; } = PrmMode.Paper;

    [Doc("Weight of the trajectory-level score in paper mode (r = mean step score + alpha · final).")]
    [ValueRange(0, 10)]
    public double Alpha { get; init; } = 1.0;

    [Doc("Separator that splits a response into steps in paper mode.")]
    public string StepSeparator { get; init; } = "\n\n";

    [Doc("Truncate PRM inputs to this many tokens.")]
    [ValueRange(16, double.PositiveInfinity)]
    public int MaxTokens { get; init; } = 16896;

    [Doc("Sequences scored per PRM forward pass.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int BatchSize { get; init; } = 1;

    [Doc("PRM parameter dtype.")]
    public ModelDType Dtype { get; init; } = ModelDType.BFloat16;

    [Doc("Device of the frozen PRM: auto (grpo and eval: the stage's model.device; select: this rank's GPU, cuda:LOCAL_RANK, when libtorch has CUDA, else the CPU), cpu, cuda or cuda:N (e.g. a second local GPU beside the policy's). A CUDA device that libtorch or the machine lacks is refused when the stage starts.")]
    public string Device { get; init; } = DeviceNames.Auto;

    public void Validate(OptionsValidation v)
    {
        v.Require(StepSeparator.Length > 0, "step_separator", "must not be empty");
        v.Require(DeviceNames.IsValid(Device), "device", DeviceNames.NotADevice(Device));
    }
}

/// <summary>Sampling settings for generation.</summary>
public sealed record SamplingOptions
{
    [Doc("Tokens generated per response at most.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MaxNewTokens { get; init; } = 4096;

    [Doc("Sampling temperature; 0: greedy.")]
    [ValueRange(0, 10)]
    public double Temperature { get; init; } = 0.0;

    [Doc("Nucleus sampling mass; 1: off.")]
    [ValueRange(0, 1, MinExclusive = true)]
    public double TopP { get; init; } = 1.0;

    [Doc("Keep only the top-k tokens; 0: off.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int TopK { get; init; }
}
