using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Options;

/// <summary>The kinds of stage a recipe can run (the <c>kind:</c> key).</summary>
public enum StageKind { Data, Sft, Prm, Select, Grpo, Eval, Label, Report }

/// <summary>Parameter dtype for training and inference.</summary>
public enum ModelDType
{
    [EnumValue("bfloat16")] BFloat16,
    [EnumValue("float16")] Float16,
    [EnumValue("float32")] Float32,
}

/// <summary>Learning-rate schedule after warmup.</summary>
public enum LrSchedule { Constant, Linear, Cosine }

/// <summary>How progress is shown: a live bar on a terminal, plain log lines otherwise (auto), or forced.</summary>
public enum ProgressMode { Auto, Bar, Plain }

/// <summary>Minimum level written to the console and run.log.</summary>
public enum LogLevel { Debug, Information, Warning }

/// <summary>How the ReasonFlux-PRM score of a response is computed (reasonflux-prm.md §5.4, §9).</summary>
public enum PrmMode
{
    /// <summary>Split on the step separator, mean of step scores at each separator + alpha · final score.</summary>
    Paper,
    /// <summary>The released GRPO code: whole response as one step, P(class 1) at the last valid token, no alpha term.</summary>
    ReleasedCode,
}

/// <summary>How the per-token loss matrix is reduced to a scalar (grpo-reference.md §2.5).</summary>
public enum LossAggregation
{
    /// <summary>Token mean over every completion token of the optimizer update (DAPO, verl token-mean).</summary>
    Token,
    /// <summary>Per-sequence token mean, then mean over sequences (original GRPO, verl seq-mean-token-mean).</summary>
    Sequence,
    /// <summary>Per-sequence token sum over a constant, then mean over sequences (Dr. GRPO, verl seq-mean-token-sum-norm).</summary>
    [EnumValue("seq_sum_norm")] SeqSumNorm,
}

/// <summary>KL estimator against the reference policy (grpo-reference.md §2.6).</summary>
public enum KlEstimator { K1, K2, K3 }

/// <summary>Outcome (rule) reward grader.</summary>
public enum OutcomeGrader
{
    /// <summary>The released code's rule: last \boxed{} in the final 100 characters, exact string match, 1/0.</summary>
    StrictBoxed,
    /// <summary>Normalised mathematical equivalence (grading-and-benchmarks.md §4).</summary>
    MathEquivalence,
}

/// <summary>PRM training loss on the step and trajectory targets.</summary>
public enum PrmLoss { Mse, Bce }

/// <summary>PRM output head.</summary>
public enum PrmHead
{
    /// <summary>2-class token head read at each step separator (ReasonFlux-PRM-7B).</summary>
    TwoClass,
    /// <summary>Sigmoid scalar on the last hidden state (ReasonFlux-PRM-1.5B).</summary>
    Scalar,
}

/// <summary>Where a two-class PRM reads each step.</summary>
public enum PrmReadAt
{
    /// <summary>At the separator token after the step (ReasonFlux-PRM-7B, Qwen2.5-Math-PRM).</summary>
    Separator,
    /// <summary>At the step's own last token.</summary>
    StepEnd,
}

/// <summary>How PRM scores become GRPO advantages (see GrpoRewardOptions.ProcessAdvantage).</summary>
public enum ProcessAdvantage
{
    Sequence,
    Step,
    /// <summary>PURE's min-form credit assignment on top of the step form.</summary>
    [EnumValue("min_form")] MinForm,
}

/// <summary>What a PRM step score is: P(+), or PURE's p(+) − p(−) = 2·P(+) − 1 for a two-class head.</summary>
public enum StepRewardForm { Probability, Margin }

/// <summary>Treatment of completions truncated at max_new_tokens (see OverlongOptions).</summary>
public enum OverlongMode { None, Filter, Penalty }

/// <summary>Built-in extra rewards (see RewardFunctionOptions.Name).</summary>
public enum BuiltinReward { Format, Length }

/// <summary>Built-in task a data stage generates.</summary>
public enum DataTask
{
    /// <summary>Multi-step addition/subtraction chains with step-checked traces (ReasonFlux.Tasks.Arithmetic).</summary>
    Quickstart,
}

/// <summary>Which targets a label stage writes for a sampled solution (its steps are checked one by one).</summary>
public enum StepLabels
{
    /// <summary>
    /// PRM800K's convention: the think steps up to and including the first wrong one are labelled; every target after it,
    /// the response's and the trajectory target are null (no loss term), since what follows a wrong step says nothing
    /// new about the policy's mistake.
    /// </summary>
    FirstError,
    /// <summary>Every step, the response and the trajectory target are labelled 1 or 0.</summary>
    All,
}

/// <summary>How a select stage picks its records.</summary>
public enum SelectMethod
{
    /// <summary>The PRM's top_k (the paper's selection).</summary>
    Prm,
    /// <summary>A seeded uniform sample of top_k records: the baseline the PRM's selection is compared with.</summary>
    Random,
}
