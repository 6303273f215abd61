using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>Prompts a GRPO stage trains on.</summary>
public sealed record GrpoDataOptions
{
    [Doc("Prompt set (.jsonl) with a problem and a reference answer per line.")]
    [Required, Path(PathKind.File)]
    public string Train { get; init; } = "";

    [Doc("Field holding the problem text.")]
    public string PromptKey { get; init; } = "problem";

    [Doc("Field holding the reference answer for the outcome reward.")]
    public string AnswerKey { get; init; } = "answer";

    [Doc("Prompts longer than this many tokens (after the chat template) are an error, not silently cut.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MaxPromptTokens { get; init; } = 512;

    [Doc("Shuffle prompts each epoch (seeded by training.seed).")]
    public bool Shuffle { get; init; } = true;
}

/// <summary>How completions are sampled during GRPO.</summary>
public sealed record GrpoRolloutOptions
{
    [Doc("Completions per prompt (G).")]
    [ValueRange(2, 1024)]
    public int GroupSize { get; init; } = 8;

    [Doc("Prompts per training step.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int PromptsPerStep { get; init; } = 32;

    [Doc("Tokens generated per completion at most.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MaxNewTokens { get; init; } = 1024;

    [Doc("Sampling temperature (> 0: a group of greedy samples has no variance).")]
    [ValueRange(0, 10, MinExclusive = true)]
    public double Temperature { get; init; } = 1.0;

    [Doc("Nucleus sampling mass; 1: off.")]
    [ValueRange(0, 1, MinExclusive = true)]
    public double TopP { get; init; } = 1.0;

    [Doc("Keep only the top-k tokens; 0: off.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int TopK { get; init; }

    [Doc("Strings that end a completion once its decoded text contains one (e.g. \"</answer>\"); the text is cut before it, the tokens that wrote it stay in the loss. Besides the model's stop tokens.")]
    public IReadOnlyList<string> Stop { get; init; } = ValueList<string>.Empty;

    [Doc("Token budget of the KV cache: the rollout engine decodes at most this many rows × (longest prompt + max_new_tokens) tokens at once and queues the rest for the next batch. Must hold one row (data.max_prompt_tokens + max_new_tokens).")]
    [ValueRange(1, double.PositiveInfinity)]
    public long MaxKvTokens { get; init; } = 65536;

    [Doc("DAPO dynamic sampling: drop prompt groups whose rewards are all equal (they carry no advantage) and sample prompts_per_step more prompts, round after round, until prompts_per_step groups are kept or max_sampling_rounds rounds ran; the step then trains on the groups it kept (none: no update that step).")]
    public bool DynamicSampling { get; init; }

    [Doc("Sampling rounds per step at most with dynamic_sampling; null: 3. Only valid with dynamic_sampling: true.")]
    [ValueRange(1, 100)]
    public int? MaxSamplingRounds { get; init; }
}

/// <summary>What happens to completions cut off by max_new_tokens (DAPO §3.4).</summary>
public sealed record OverlongOptions
{
    [Doc("none: nothing. filter: truncated completions are masked out of the loss (their rewards still count in their group). penalty: DAPO's soft overlong punishment, added to the reward: 0 up to max_new_tokens − buffer_tokens, then falling linearly to −penalty at max_new_tokens.")]
    public OverlongMode Mode { get; init; } = OverlongMode.None;

    [Doc("Length of the penalty ramp before max_new_tokens (DAPO: 4096 of 20480). Required with mode: penalty, only valid with it.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? BufferTokens { get; init; }

    [Doc("Reward subtracted at max_new_tokens; null: 1. Only valid with mode: penalty.")]
    [ValueRange(0, 100)]
    public double? Penalty { get; init; }
}

/// <summary>The frozen PRM of a GRPO stage: the scorer settings plus how its step scores become advantages (PURE).</summary>
public sealed record GrpoPrmOptions : PrmScorerOptions
{
    [Doc("process_advantage: min_form only: temperature T of PURE's min-form credit assignment. Each step score r_j becomes r_j·softmax(−r/T)_j over the completion's steps before the step advantage, so the return from a token approaches the minimum of the step scores ahead of it (not their sum, which a policy inflates by writing more steps). null: 0.1.")]
    [ValueRange(0, 100, MinExclusive = true)]
    public double? MinFormTemperature { get; init; }

    [Doc("PRM step score used by step and min_form: probability, P(+); margin, PURE's p(+) − p(−) = 2·P(+) − 1 (negative for a likely-wrong step). Known failure: with PRM-only rewards (outcome_weight 0) policies hack the PRM within ~200 steps (PURE: fewer, longer steps, no \\n\\n separator); keep an outcome reward and watch reward/process_steps_mean and reward/process_no_separator_ratio.")]
    public StepRewardForm StepReward { get; init; } = StepRewardForm.Probability;
}

/// <summary>Reward = outcome_weight · r_outcome + process_weight · r_PRM (reasonflux-prm.md §5.1–5.2).</summary>
public sealed record GrpoRewardOptions : IValidatedOptions
{
    [Doc("Weight of the rule (outcome) reward; the released code uses 0.25.")]
    [ValueRange(0, 100)]
    public double OutcomeWeight { get; init; } = 1.0;

    [Doc("Weight of the PRM (process) reward; the released code uses 0.75. > 0 needs prm.path.")]
    [ValueRange(0, 100)]
    public double ProcessWeight { get; init; }

    [Doc("How PRM scores enter the advantage. sequence: the paper's Eq. 12, r = w_out·r_out + w_proc·r̂ per completion, then the group-normalised GRPO advantage. step: process-supervised GRPO (DeepSeekMath form) on the PRM's per-step scores, each token's advantage = w_out·A_outcome + w_proc·Σ of the group-normalised step scores of the steps ending at or after it.")]
    public ProcessAdvantage ProcessAdvantage { get; init; } = ProcessAdvantage.Sequence;

    [Doc("Outcome grader.")]
    public OutcomeGrader Outcome { get; init; } = OutcomeGrader.StrictBoxed;

    [Doc("The frozen PRM scoring completions.")]
    public GrpoPrmOptions Prm { get; init; } = new();

    [Doc("Completions cut off by max_new_tokens: filter them out of the loss or penalise them.")]
    public OverlongOptions Overlong { get; init; } = new();

    [Doc("Extra reward functions, each added to the outcome reward times its weight: built-ins by name ({name: format, weight: 0.1}) or an external command ({command: \"python3 my_reward.py\", timeout_s: 10, weight: 1}).")]
    public IReadOnlyList<RewardFunctionOptions> Extra { get; init; } = ValueList<RewardFunctionOptions>.Empty;

    [Doc("Seconds the outcome judge may take per completion; past it the completion scores on_error.")]
    [ValueRange(0, 3600, MinExclusive = true)]
    public double TimeoutS { get; init; } = 10;

    [Doc("Reward of a completion whose judge or reward function failed, timed out or answered garbage (counted in the reward/errors metric).")]
    [ValueRange(-100, 100)]
    public double OnError { get; init; }

    public void Validate(OptionsValidation v)
    {
        v.Require(OutcomeWeight + ProcessWeight > 0, "outcome_weight", "outcome_weight and process_weight are both 0: there is no reward");
        v.Require(ProcessWeight == 0 || !string.IsNullOrEmpty(Prm.Path), "prm.path", $"process_weight is {ProcessWeight} but no PRM is set: set prm.path or process_weight: 0");
        v.Require(Prm.MinFormTemperature is null || ProcessAdvantage == ProcessAdvantage.MinForm, "prm.min_form_temperature", "only applies with process_advantage: min_form");
        v.Require(Prm.StepReward == StepRewardForm.Probability || ProcessAdvantage != ProcessAdvantage.Sequence, "prm.step_reward",
            "only applies with process_advantage: step or min_form (sequence uses the trajectory score r̂)");
    }
}

/// <summary>One extra reward function of reward.extra: a built-in by name, or an external command.</summary>
public sealed record RewardFunctionOptions : IValidatedOptions
{
    [Doc("Built-in reward. format: 1 when the response contains a closed \\boxed{…} answer, else 0. length: 1 − tokens / rollout.max_new_tokens (shorter is better). Set name or command, not both.")]
    public BuiltinReward? Name { get; init; }

    [Doc("External reward command, run with /bin/sh -c and kept alive across steps. It reads one JSON object per line on stdin ({\"prompt\", \"response\", \"answer\", \"tokens\"}) and answers each with one line: a number or {\"reward\": number}. A failure, a time-out (the command is restarted; the rest of that step's completions score on_error) or an unusable line scores reward.on_error.")]
    public string? Command { get; init; }

    [Doc("Seconds the command may take per completion; null: 10. Only valid with command.")]
    [ValueRange(0, 3600, MinExclusive = true)]
    public double? TimeoutS { get; init; }

    [Doc("Weight of this reward in the sum.")]
    [ValueRange(-100, 100)]
    public double Weight { get; init; } = 1;

    public void Validate(OptionsValidation v)
    {
        v.Require((Name is null) != (Command is null), "name", "set exactly one of name (a built-in) and command");
        v.Require(Command is null || Command.Trim().Length > 0, "command", "must not be empty");
        v.Require(TimeoutS is null || Command is not null, "timeout_s", "only applies to a command");
    }
}

/// <summary>GRPO objective: advantages, clipping, KL, aggregation (grpo-reference.md §2).</summary>
public sealed record GrpoAlgorithmOptions : IValidatedOptions
{
    [Doc("Coefficient of the KL penalty to the reference policy in the loss; 0: no reference model.")]
    [ValueRange(0, 10)]
    public double BetaKl { get; init; } = 0.001;

    [Doc("Device of the frozen reference model (beta_kl > 0): auto (model.device), cpu, cuda or cuda:N (e.g. a second local GPU beside the policy's). A CUDA device that libtorch or the machine lacks is refused when the stage starts.")]
    public string ReferenceDevice { get; init; } = DeviceNames.Auto;

    [Doc("KL estimator (k3 = low_var_kl, clamped to [-10, 10]).")]
    public KlEstimator KlEstimator { get; init; } = KlEstimator.K3;

    [Doc("Lower clip: ratio ≥ 1 - clip_epsilon_low.")]
    [ValueRange(0, 1, MinExclusive = true, MaxExclusive = true)]
    public double ClipEpsilonLow { get; init; } = 0.2;

    [Doc("Upper clip: ratio ≤ 1 + clip_epsilon_high (DAPO clip-higher: 0.28).")]
    [ValueRange(0, 10, MinExclusive = true)]
    public double ClipEpsilonHigh { get; init; } = 0.2;

    [Doc("Dual-clip bound for negative advantages (verl clip_ratio_c); 0: off, else > 1.")]
    [ValueRange(0, 100)]
    public double DualClip { get; init; } = 3.0;

    [Doc("How the per-token losses l_it of one optimizer update (N sequences o_i) become the loss. token: Σ_i Σ_t l_it / Σ_i |o_i|, the token mean over the update (DAPO). sequence: (1/N) Σ_i (1/|o_i|) Σ_t l_it, the mean of per-sequence token means (original GRPO). seq_sum_norm: (1/N) Σ_i (1/C) Σ_t l_it with the constant C = loss_norm_constant (Dr. GRPO: no length bias).")]
    public LossAggregation LossAggregation { get; init; } = LossAggregation.Token;

    [Doc("C of loss_aggregation: seq_sum_norm; null: rollout.max_new_tokens. Only valid with seq_sum_norm.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? LossNormConstant { get; init; }

    [Doc("Truncated importance sampling: weight each token's policy-gradient term by min(π_old/π_rollout, tis_cap), where π_rollout is the probability the rollout engine reported when sampling (corrects rollout/trainer numerical mismatch; try 2). 0: off. Needs rollout.top_p 1 and top_k 0, since the engine reports probabilities of the truncated distribution.")]
    [ValueRange(0, 1000)]
    public double TisCap { get; init; }

    [Doc("Divide group-centred rewards by the group std (false: Dr.GRPO).")]
    public bool StdNormalize { get; init; } = true;

    [Doc("Added to the group std before dividing.")]
    [ValueRange(0, 1)]
    public double AdvantageEpsilon { get; init; } = 1e-6;

    [Doc("Entropy bonus: the loss gets −entropy_coef · H(π(·|context)) per completion token, aggregated like the policy loss. 0: off (the entropy metric is logged either way).")]
    [ValueRange(0, 1)]
    public double EntropyCoef { get; init; }

    public void Validate(OptionsValidation v)
    {
        v.Require(DualClip == 0 || DualClip > 1, "dual_clip", $"must be 0 (off) or > 1, got {DualClip}");
        v.Require(DeviceNames.IsValid(ReferenceDevice), "reference_device", DeviceNames.NotADevice(ReferenceDevice));
        v.Require(LossNormConstant is null || LossAggregation == LossAggregation.SeqSumNorm, "loss_norm_constant",
            $"only applies to loss_aggregation: seq_sum_norm (it is {SchemaNames.EnumName(LossAggregation)}); remove it or change loss_aggregation");
    }
}

/// <summary>Batching and length of a GRPO stage.</summary>
public sealed record GrpoTrainingOptions
{
    [Doc("Training steps (one rollout batch each).")]
    [ValueRange(1, double.PositiveInfinity)]
    public long Steps { get; init; } = 100;

    [Doc("Sequences per forward/backward pass.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MicroBatchSize { get; init; } = 1;

    [Doc("Micro-batches per optimizer update; null: all sequences of the step in one update (the paper's setup).")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? GradAccumulation { get; init; }

    [Doc("Split each optimizer update's sequences into forward/backward passes of at most this many padded tokens (sequences × longest prompt + completion), longest first, instead of micro_batch_size sequences each; null: micro_batch_size. The loss is normalised over the whole update, so the gradient is the same.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? MaxTokensPerMicroBatch { get; init; }

    [Doc("Passes of optimizer updates over each rollout batch.")]
    [ValueRange(1, 16)]
    public int PpoEpochs { get; init; } = 1;

    [Doc("Seed for prompt order and sampling.")]
    public long Seed { get; init; } = 42;

    [Doc("Optimizer steps in a row with a non-finite loss or gradient norm (each skipped, weights unchanged) before the run stops with exit code 3.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int MaxConsecutiveSkips { get; init; } = 5;
}

/// <summary>Evaluation during GRPO training.</summary>
public sealed record GrpoEvalOptions
{
    [Doc("Evaluate every this many steps; 0: never.")]
    [ValueRange(0, double.PositiveInfinity)]
    public int Every { get; init; }

    [Doc("Benchmark name (math500, aime24, aime25, amc23, gpqa-diamond) or a .jsonl file.")]
    public string Benchmark { get; init; } = "math500";

    [Doc("Evaluate on the first this many problems only; null: all.")]
    [ValueRange(1, double.PositiveInfinity)]
    public int? Limit { get; init; }

    [Doc("Samples per problem.")]
    [ValueRange(1, 1024)]
    public int N { get; init; } = 1;

    public SamplingOptions Sampling { get; init; } = new();
}

/// <summary>GRPO with outcome and (optionally) ReasonFlux-PRM process rewards.</summary>
public sealed record GrpoOptions : StageOptions
{
    public override StageKind Kind => StageKind.Grpo;

    [Doc("Policy to train; the reference policy for the KL term is a frozen copy of it.")]
    public ModelOptions Model { get; init; } = new();
    public GrpoDataOptions Data { get; init; } = new();
    public GrpoRolloutOptions Rollout { get; init; } = new();
    public GrpoRewardOptions Reward { get; init; } = new();
    public GrpoAlgorithmOptions Algorithm { get; init; } = new();
    public OptimizerOptions Optimizer { get; init; } = new() { Lr = 1e-6 };
    public GrpoTrainingOptions Training { get; init; } = new();
    public CheckpointOptions Checkpoint { get; init; } = new();
    public LoggingOptions Logging { get; init; } = new();
    public GrpoEvalOptions Eval { get; init; } = new();

    /// <summary>Completions generated per step: prompts_per_step × group_size.</summary>
    public long SequencesPerStep => (long)Rollout.PromptsPerStep * Rollout.GroupSize;

    /// <summary>Micro-batches per optimizer update (grad_accumulation, or everything in one update when null).</summary>
    public long EffectiveGradAccumulation =>
        Training.GradAccumulation ?? Math.Max(1, SequencesPerStep / Training.MicroBatchSize);

    /// <summary>Sequences per optimizer update.</summary>
    public long GlobalBatch => Training.MicroBatchSize * EffectiveGradAccumulation;

    /// <summary>Optimizer updates per training step (all PPO epochs).</summary>
    public long UpdatesPerStep => SequencesPerStep / GlobalBatch * Training.PpoEpochs;

    public override void Validate(OptionsValidation v)
    {
        if (Training.GradAccumulation is null)
            v.Require(SequencesPerStep % Training.MicroBatchSize == 0, "training.micro_batch_size",
                $"must divide the {SequencesPerStep} sequences per step (rollout.prompts_per_step {Rollout.PromptsPerStep} × rollout.group_size {Rollout.GroupSize})");
        else
            v.Require(SequencesPerStep % GlobalBatch == 0, "training.grad_accumulation",
                $"micro_batch_size {Training.MicroBatchSize} × grad_accumulation {Training.GradAccumulation} = {GlobalBatch} must divide the {SequencesPerStep} sequences per step (prompts_per_step {Rollout.PromptsPerStep} × group_size {Rollout.GroupSize})");
        if (Eval.Every > 0) BenchmarkNames.Validate(Eval.Benchmark, "eval.benchmark", v);
        v.Require(Rollout.MaxKvTokens >= (long)Data.MaxPromptTokens + Rollout.MaxNewTokens, "rollout.max_kv_tokens",
            $"is {Rollout.MaxKvTokens}, less than one row's cache: data.max_prompt_tokens {Data.MaxPromptTokens} + rollout.max_new_tokens {Rollout.MaxNewTokens}");
        v.Require(Rollout.MaxSamplingRounds is null || Rollout.DynamicSampling, "rollout.max_sampling_rounds", "only applies with rollout.dynamic_sampling: true");
        var overlong = Reward.Overlong;
        if (overlong.Mode == OverlongMode.Penalty)
        {
            if (overlong.BufferTokens is not int buffer) v.Error("reward.overlong.buffer_tokens", "mode: penalty needs buffer_tokens (the length of the penalty ramp before max_new_tokens)");
            else v.Require(buffer <= Rollout.MaxNewTokens, "reward.overlong.buffer_tokens", $"is {buffer}, longer than rollout.max_new_tokens {Rollout.MaxNewTokens}");
        }
        else
        {
            v.Require(overlong.BufferTokens is null, "reward.overlong.buffer_tokens", "only applies with mode: penalty");
            v.Require(overlong.Penalty is null, "reward.overlong.penalty", "only applies with mode: penalty");
        }
        for (int i = 0; i < Rollout.Stop.Count; i++)
            v.Require(Rollout.Stop[i].Length > 0, $"rollout.stop[{i}]", "a stop string must not be empty");
        if (Algorithm.TisCap > 0)
            v.Require(Rollout.TopP == 1 && Rollout.TopK == 0, "algorithm.tis_cap",
                $"needs rollout.top_p 1 and rollout.top_k 0 (they are {Rollout.TopP} and {Rollout.TopK}): the engine's log-probs are of the truncated distribution, so the importance ratio would be wrong");
        PrecisionRules.Validate(Model, Optimizer, v);
    }

    /// <summary>Sampling rounds per step: max_sampling_rounds with dynamic sampling (default 3), else 1.</summary>
    public int SamplingRounds => Rollout.DynamicSampling ? Rollout.MaxSamplingRounds ?? 3 : 1;

    /// <summary>C of seq_sum_norm: loss_norm_constant, else the generation budget.</summary>
    public int LossNormConstant => Algorithm.LossNormConstant ?? Rollout.MaxNewTokens;
}
