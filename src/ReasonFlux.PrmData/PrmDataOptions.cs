using System.Text.Json;
using System.Text.Json.Serialization;
using ReasonFlux.Grading;

namespace ReasonFlux.PrmData;

/// <summary>
/// Everything that shapes ReasonFlux-PRM training targets (reasonflux-prm.md §3.1–§3.3, §9 item 4). Values the
/// paper does not publish (τ, |N|, the encoder Φ, the judge prompt, N rollouts, the policy) are free parameters
/// here; their defaults are assumptions and say so. Loadable from a JSON file with snake_case keys.
/// </summary>
public sealed record PrmDataOptions
{
    /// <summary>
    /// Splits trajectories and responses into steps. "\n\n" is what the ReasonFlux README and Qwen's PRM card
    /// advise (reasonflux-prm.md §2.2).
    /// </summary>
    public string StepSeparator { get; init; } = "\n\n";

    /// <summary>Field names of the input pool.</summary>
    public PrmInputKeys Input { get; init; } = new();

    /// <summary>
    /// Records processed together: their texts are embedded in one batched pass, their judge calls run
    /// concurrently, and coherence negatives come from the other trajectories of this chunk and the previous one.
    /// </summary>
    public int ChunkSize { get; init; } = 32;

    public EncoderOptions Encoder { get; init; } = new();
    public AlignmentOptions Alignment { get; init; } = new();
    public QualityOptions Quality { get; init; } = new();
    public CoherenceOptions Coherence { get; init; } = new();
    public CombinationOptions Combination { get; init; } = new();
    public TrajectoryRewardOptions TrajectoryReward { get; init; } = new();

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <summary>Reads options from a JSON file (snake_case keys; unknown keys are an error naming the file).</summary>
    public static PrmDataOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: prm-data config not found", path);
        PrmDataOptions? options;
        try
        {
            options = JsonSerializer.Deserialize<PrmDataOptions>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        options ??= new PrmDataOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return options;
    }

    /// <summary>The options as JSON (the format <see cref="Load"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Checks ranges and prompt placeholders; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(StepSeparator)) throw new ArgumentException("step_separator must not be empty");
        if (ChunkSize < 1) throw new ArgumentException($"chunk_size must be >= 1, got {ChunkSize}");
        if (Coherence.Enabled && ChunkSize < 2)
            throw new ArgumentException("coherence draws negatives from the other trajectories of a chunk: chunk_size must be >= 2");
        Encoder.Validate();
        Quality.Validate();
        Coherence.Validate();
        TrajectoryReward.Validate();
        if (!Alignment.Enabled && !Quality.Enabled && !Coherence.Enabled)
            throw new ArgumentException("alignment, quality and coherence are all disabled: there is no step target to compute");
    }
}

/// <summary>Field names of a pool line.</summary>
public sealed record PrmInputKeys
{
    public string Problem { get; init; } = "problem";
    /// <summary>The thinking part (a string, split on the step separator; &lt;think&gt; tags are stripped).</summary>
    public string Trajectory { get; init; } = "trajectory";
    /// <summary>Alternative to <see cref="Trajectory"/>: the steps already split (array of strings).</summary>
    public string Steps { get; init; } = "steps";
    public string Response { get; init; } = "response";
    public string Answer { get; init; } = "answer";
}

/// <summary>The embedding encoder Φ (unknown in the paper, reasonflux-prm.md §1 and §3.1): mean-pooled final hidden states.</summary>
public sealed record EncoderOptions
{
    /// <summary>Texts longer than this many tokens are truncated (counted in the summary).</summary>
    public int MaxTokens { get; init; } = 512;
    /// <summary>Upper bound on batch × longest text in one forward pass.</summary>
    public int MaxBatchTokens { get; init; } = 16384;
    public int MaxBatchSize { get; init; } = 64;

    internal void Validate()
    {
        if (MaxTokens < 1) throw new ArgumentException($"encoder.max_tokens must be >= 1, got {MaxTokens}");
        if (MaxBatchTokens < MaxTokens) throw new ArgumentException($"encoder.max_batch_tokens ({MaxBatchTokens}) must be >= encoder.max_tokens ({MaxTokens})");
        if (MaxBatchSize < 1) throw new ArgumentException($"encoder.max_batch_size must be >= 1, got {MaxBatchSize}");
    }
}

/// <summary>How a cosine similarity in [-1, 1] becomes a value in [0, 1].</summary>
public enum AlignmentScale
{
    /// <summary>max(0, cos): the doc's value wherever it is non-negative (mean-pooled LM states nearly always are).</summary>
    Clamp,
    /// <summary>(1 + cos) / 2: monotone over the whole range.</summary>
    Shift,
}

/// <summary>r_t^align = max_j cos(Φ(s_t), Φ(a_j)) (reasonflux-prm.md §3.1 item 1, the [S3] best-match form).</summary>
public sealed record AlignmentOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>
    /// The doc leaves the scale open; the combination needs [0, 1] (see <see cref="CombinationOptions"/>).
    /// Default <see cref="AlignmentScale.Clamp"/> (assumption).
    /// </summary>
    public AlignmentScale Scale { get; init; } = AlignmentScale.Clamp;
}

/// <summary>What happens when the judge fails (after retries) or its reply cannot be parsed.</summary>
public enum JudgeFailurePolicy
{
    /// <summary>Use the configured fallback value (counted, and marked in the output line).</summary>
    Fallback,
    /// <summary>Quality: remove the step from the example; trajectory reward: skip the record. Counted and listed.</summary>
    Drop,
    /// <summary>Stop the run with an error.</summary>
    Fail,
}

/// <summary>r_t^qual = J(s_t | x, s_&lt;t, a), an LLM judge's score (reasonflux-prm.md §3.1 item 2).</summary>
public sealed record QualityOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The judge prompt. The paper's prompt is unknown (§1); this one asks for the criteria the summaries name
    /// (logical soundness, internal coherence, progress toward the answer) on a [0, 1] scale. Placeholders:
    /// {problem}, {previous_steps}, {step}, {response}, {step_index} (1-based), {num_steps}.
    /// </summary>
    public string PromptTemplate { get; init; } =
        "You are an expert grader of mathematical reasoning. Evaluate the CURRENT STEP of a reasoning trajectory " +
        "for logical correctness and soundness, internal coherence with the previous steps, and progress toward the final answer.\n\n" +
        "Problem:\n{problem}\n\nPrevious steps:\n{previous_steps}\n\nCurrent step ({step_index} of {num_steps}):\n{step}\n\n" +
        "Final response of the solver:\n{response}\n\n" +
        "Reply with a single line of the form \"Score: X\" where X is a number between 0 and 1 (1 = fully correct and useful).";

    /// <summary>max_tokens of each judge call.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>
    /// Scale of a bare number in the reply ("Score: 0.7" with scale 1; "Score: 7" with scale 10). Fractions
    /// ("7/10", "7 out of 10") and percentages carry their own scale. A value outside [0, scale] is a failure.
    /// </summary>
    public double BareNumberScale { get; init; } = 1.0;

    public JudgeFailurePolicy OnFailure { get; init; } = JudgeFailurePolicy.Fallback;

    /// <summary>Quality used for a failed step under <see cref="JudgeFailurePolicy.Fallback"/> (0.5 = uninformative; assumption).</summary>
    public double FallbackScore { get; init; } = 0.5;

    internal void Validate()
    {
        if (!Enabled) return;
        PromptTemplates.Require(PromptTemplate, "quality.prompt_template", "step");
        if (MaxTokens < 1) throw new ArgumentException($"quality.max_tokens must be >= 1, got {MaxTokens}");
        if (!(BareNumberScale > 0)) throw new ArgumentException($"quality.bare_number_scale must be > 0, got {BareNumberScale}");
        if (FallbackScore is < 0 or > 1 || double.IsNaN(FallbackScore)) throw new ArgumentException($"quality.fallback_score must be in [0, 1], got {FallbackScore}");
    }
}

/// <summary>What plays the "previous step" of the first step.</summary>
public enum FirstStepContext
{
    /// <summary>The problem x ([S3]'s pseudo-code choice, reasonflux-prm.md §3.1 item 3).</summary>
    Problem,
    /// <summary>No coherence for step 1; its target combines the other components only.</summary>
    Skip,
}

/// <summary>
/// r_t^coh = log[exp(sim(Φ(s_{t−1}), Φ(s_t))/τ) / Σ_{s'∈N} exp(sim(Φ(s_{t−1}), Φ(s'))/τ)] (reasonflux-prm.md §3.1 item 3).
/// τ and |N| are unknown in the paper (§1); the defaults are the doc's neutral placeholders (§9 item 4).
/// </summary>
public sealed record CoherenceOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>τ (unknown; 0.1 is an assumption, reasonflux-prm.md §9 item 4).</summary>
    public double Temperature { get; init; } = 0.1;
    /// <summary>|N|, negatives per step (unknown; 8 is an assumption). Fewer are used when the candidates run short.</summary>
    public int NumNegatives { get; init; } = 8;
    /// <summary>
    /// Put the positive s_t into the denominator set (standard InfoNCE; the doc's "≤ 0 if the positive is
    /// inside N"). Without it the ratio may exceed 1.
    /// </summary>
    public bool IncludePositive { get; init; } = true;
    /// <summary>Negatives never come from a trajectory of the same problem (they would not be "unrelated").</summary>
    public bool ExcludeSameProblem { get; init; } = true;
    public FirstStepContext FirstStep { get; init; } = FirstStepContext.Problem;
    /// <summary>Seeds the negative draws; a draw depends only on (seed, record number, step), not on timing.</summary>
    public long Seed { get; init; }

    internal void Validate()
    {
        if (!Enabled) return;
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"coherence.temperature must be > 0, got {Temperature}");
        if (NumNegatives < 1) throw new ArgumentException($"coherence.num_negatives must be >= 1, got {NumNegatives}");
    }
}

/// <summary>Which component values the softmax weighting sees.</summary>
public enum CombinationInput
{
    /// <summary>The [0, 1] values (alignment and coherence rescaled): the weighted sum is then a convex combination in [0, 1].</summary>
    Scaled,
    /// <summary>
    /// The doc's raw values (cosine in [-1, 1], InfoNCE log-probability ≤ 0, judge score). The result can leave
    /// [0, 1]; it is clamped and the clamps are counted.
    /// </summary>
    Raw,
}

/// <summary>r_t^step = Σ_k softmax(r_t^align, r_t^qual, r_t^coh)_k · r_t^k (reasonflux-prm.md §3.1 item 4).</summary>
public sealed record CombinationOptions
{
    /// <summary>
    /// The doc's formula takes the softmax over the component values themselves; it does not say on which scale.
    /// Default <see cref="CombinationInput.Scaled"/> (assumption) so the target is in [0, 1] as §3.3's MSE against
    /// a probability needs.
    /// </summary>
    public CombinationInput Input { get; init; } = CombinationInput.Scaled;
}

/// <summary>
/// r^final = (1/N) Σ_j 1[y^(j) correct], y^(j) ~ π(· | x, T) with T a template the judge extracts (reasonflux-prm.md §3.2).
/// N, the policy and the extraction prompt are unknown (§1); the defaults are assumptions.
/// </summary>
public sealed record TrajectoryRewardOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>Template-extraction prompt. Placeholders: {problem}, {trajectory}, {response}.</summary>
    public string ExtractionPrompt { get; init; } =
        "Below are a problem, a reasoning trajectory that solves it, and the final response. Extract a concise, " +
        "high-level reasoning template from them: the sequence of key ideas and steps that leads to the solution, " +
        "general enough to guide a solver, without carrying out the computations and without stating the final answer.\n\n" +
        "Problem:\n{problem}\n\nReasoning trajectory:\n{trajectory}\n\nFinal response:\n{response}\n\n" +
        "Reply with the template only.";

    public int ExtractionMaxTokens { get; init; } = 1024;

    /// <summary>The policy's user message. Placeholders: {problem}, {template}.</summary>
    public string PolicyPrompt { get; init; } =
        "{problem}\n\nSolve the problem by following this reasoning template:\n{template}\n\n" +
        "Please reason step by step, and put your final answer in \\boxed{}.";

    /// <summary>Optional system message for the policy (null: none, the chat template's default applies).</summary>
    public string? PolicySystemPrompt { get; init; }

    /// <summary>N rollouts per trajectory (unknown; 8 is the doc's placeholder, §9 item 4).</summary>
    public int Rollouts { get; init; } = 8;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int TopK { get; init; }
    public int MaxNewTokens { get; init; } = 2048;
    public long Seed { get; init; }

    /// <summary>How a rollout is graded against the gold answer.</summary>
    public GradingTask GradingTask { get; init; } = GradingTask.Math;

    /// <summary>On a failed extraction or a prompt that does not fit the policy: fallback value, drop the record, or fail.</summary>
    public JudgeFailurePolicy OnFailure { get; init; } = JudgeFailurePolicy.Drop;
    public double FallbackReward { get; init; }

    internal void Validate()
    {
        if (!Enabled) return;
        PromptTemplates.Require(ExtractionPrompt, "trajectory_reward.extraction_prompt", "trajectory");
        PromptTemplates.Require(PolicyPrompt, "trajectory_reward.policy_prompt", "problem", "template");
        if (ExtractionMaxTokens < 1) throw new ArgumentException($"trajectory_reward.extraction_max_tokens must be >= 1, got {ExtractionMaxTokens}");
        if (Rollouts < 1) throw new ArgumentException($"trajectory_reward.rollouts must be >= 1, got {Rollouts}");
        if (MaxNewTokens < 1) throw new ArgumentException($"trajectory_reward.max_new_tokens must be >= 1, got {MaxNewTokens}");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"trajectory_reward.temperature must be >= 0, got {Temperature}");
        if (TopP is <= 0 or > 1) throw new ArgumentException($"trajectory_reward.top_p must be in (0, 1], got {TopP}");
        if (FallbackReward is < 0 or > 1 || double.IsNaN(FallbackReward)) throw new ArgumentException($"trajectory_reward.fallback_reward must be in [0, 1], got {FallbackReward}");
    }
}
