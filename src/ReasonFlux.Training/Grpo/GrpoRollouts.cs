using ReasonFlux.Algorithms;
using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Grpo;

/// <summary>A training prompt: the problem text and its reference answer.</summary>
public sealed record GrpoPrompt(string Problem, string Answer, int[] PromptIds);

/// <summary>
/// GRPO's first half ("generate and score"): sample G completions per prompt, grade them, score their steps with a
/// frozen PRM when one is configured, and turn it all into per-token advantages. With dynamic sampling (DAPO) it
/// keeps only groups whose rewards differ and samples more prompts until the step's batch is full.
/// </summary>
/// <param name="promptsPerRound">Prompts this rank samples per round: rollout.prompts_per_step, divided by the world size under data parallelism.</param>
public sealed class GrpoRollouts(LanguageModel policy, GrpoOptions options, IProcessRewardModel? prm, GrpoRewardFunctions rewards, int? promptsPerRound = null)
{
    public const string SamplingRoundsMetric = "sampling/rounds";
    public const string SamplingPromptsMetric = "sampling/prompts";
    public const string KeptGroupsMetric = "sampling/kept_groups";
    public const string OverlongRewardMetric = "reward/overlong";
    public const string OverlongFilteredMetric = "overlong/filtered_ratio";
    public const string ProcessStepsMetric = "reward/process_steps_mean";
    public const string NoSeparatorMetric = "reward/process_no_separator_ratio";

    /// <summary>Generation batches of the step: more than one when rollout.max_kv_tokens cannot hold every row's cache at once.</summary>
    public const string EngineBatchesMetric = "rollout/batches";

    private int _engineBatches;

    private readonly RolloutEngine _engine = new(policy.Model, policy.Tokenizer, new RolloutEngineOptions { MaxBatchTokens = options.Rollout.MaxKvTokens });

    /// <summary>Renders a problem as the policy sees it: a user turn in its chat template, ready for the answer.</summary>
    public static int[] EncodePrompt(LanguageModel policy, string problem) =>
        policy.Tokenizer.Encode(policy.ChatTemplate.Render([ChatMessage.User(problem)], addGenerationPrompt: true));

    /// <summary>One scored completion: its sequence for the update and what the metrics need.</summary>
    private sealed record Scored(Completion Completion, GrpoSequence Sequence, double Reward, double Outcome, double? Process, int Steps, bool HasSeparator, double Overlong, bool NonFinite);

    /// <summary>
    /// Samples and scores one step's batch. <paramref name="takePrompts"/> hands out this rank's next n prompts
    /// (called once per sampling round), each with its index in the round's global batch, which names its random
    /// streams: a prompt's group is the same whichever rank samples it. Round r samples with its own seed derived
    /// from <paramref name="seed"/>, the same on every rank.
    /// </summary>
    public GrpoRolloutBatch Run(Func<int, IReadOnlyList<(GrpoPrompt Prompt, int GlobalIndex)>> takePrompts, long seed)
    {
        int g = options.Rollout.GroupSize, wanted = promptsPerRound ?? options.Rollout.PromptsPerStep;
        var sampled = new List<Scored>();
        var kept = new List<Scored>();
        var rewardMetrics = new List<IReadOnlyDictionary<string, double>>();
        int rounds = 0;
        _engineBatches = 0;
        while (rounds < options.SamplingRounds && kept.Count < wanted * g)
        {
            var round = ScoreRound(takePrompts(wanted), seed + 7_919L * rounds, rewardMetrics);
            rounds++;
            sampled.AddRange(round);
            for (int start = 0; start < round.Count; start += g)
            {
                var group = round.Skip(start).Take(g).ToList();
                bool informative = group.Any(s => s.Reward != group[0].Reward);
                if ((informative || !options.Rollout.DynamicSampling) && kept.Count < wanted * g) kept.AddRange(group);
            }
        }

        var rewardsAll = sampled.Select(s => s.Reward).ToArray();
        var lengths = sampled.Select(s => (double)s.Completion.TokenIds.Length).ToArray();
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Reward] = rewardsAll.Average(),
            [MetricNames.RewardStd] = Std(rewardsAll),
            [MetricNames.RewardOutcome] = sampled.Average(s => s.Outcome),
            [MetricNames.Accuracy] = sampled.Average(s => s.Outcome > 0.5 ? 1.0 : 0.0),
            [MetricNames.FracRewardZeroStd] = GroupAdvantages.ZeroStdFraction(rewardsAll, g),
            [MetricNames.ResponseLengthMean] = lengths.Average(),
            [MetricNames.ResponseLengthMax] = lengths.Max(),
            [MetricNames.ResponseClippedRatio] = sampled.Average(s => s.Completion.FinishReason == FinishReason.Length ? 1.0 : 0.0),
            [NonFiniteRewards.Metric] = sampled.Count(s => s.NonFinite),
            [EngineBatchesMetric] = _engineBatches,
        };
        if (options.Rollout.DynamicSampling)
        {
            metrics[SamplingRoundsMetric] = rounds;
            metrics[SamplingPromptsMetric] = sampled.Count / g;
            metrics[KeptGroupsMetric] = kept.Count / g;
        }
        if (sampled.Any(s => s.Process is not null))
        {
            metrics[MetricNames.RewardProcess] = sampled.Average(s => s.Process ?? 0);
            // What PRM reward hacking looks like: fewer steps, or no separator at all (PURE's policies learned to
            // avoid "\n\n" so that a single well-scored step remained).
            metrics[ProcessStepsMetric] = sampled.Average(s => (double)s.Steps);
            metrics[NoSeparatorMetric] = sampled.Average(s => s.HasSeparator ? 0.0 : 1.0);
        }
        var overlong = options.Reward.Overlong;
        if (overlong.Mode == OverlongMode.Penalty) metrics[OverlongRewardMetric] = sampled.Average(s => s.Overlong);
        if (overlong.Mode == OverlongMode.Filter) metrics[OverlongFilteredMetric] = sampled.Average(s => s.Sequence.InLoss ? 0.0 : 1.0);
        // Errors add up over the rounds; the extras' means are averaged.
        foreach (var key in rewardMetrics[0].Keys)
            metrics[key] = key == GrpoRewardFunctions.ErrorsMetric ? rewardMetrics.Sum(m => m[key]) : rewardMetrics.Average(m => m[key]);
        return new GrpoRolloutBatch(kept.Select(s => s.Sequence).ToArray(), metrics, (long)lengths.Sum());
    }

    /// <summary>Generates G completions for each prompt and scores them, in prompt-major order.</summary>
    private List<Scored> ScoreRound(IReadOnlyList<(GrpoPrompt Prompt, int GlobalIndex)> drawn, long seed, List<IReadOnlyDictionary<string, double>> rewardMetrics)
    {
        var prompts = drawn.Select(d => d.Prompt).ToArray();
        var ro = options.Rollout;
        var rw = options.Reward;
        int g = ro.GroupSize;
        var sampling = new SamplingParams
        {
            Temperature = ro.Temperature, TopP = ro.TopP, TopK = ro.TopK, MaxNewTokens = ro.MaxNewTokens,
            StopTokenIds = policy.StopTokenIds, StopStrings = ro.Stop, Seed = seed,
        };
        var completions = _engine.Generate(prompts.Select(p => p.PromptIds).ToArray(), sampling, g, promptStreams: drawn.Select(d => d.GlobalIndex).ToArray());
        _engineBatches += _engine.LastStats.Batches;
        int n = completions.Count;
        var texts = completions.Select(c => c.Text ?? "").ToArray();
        var scalar = rewards.Score(completions.Select((c, i) => new RewardItem(prompts[c.PromptIndex].Problem, texts[i], prompts[c.PromptIndex].Answer, c.TokenIds.Length)).ToArray());
        rewardMetrics.Add(scalar.Metrics);
        var outcome = scalar.Outcome;

        var overlong = new double[n];
        if (rw.Overlong.Mode == OverlongMode.Penalty)
            for (int i = 0; i < n; i++)
                overlong[i] = OverlongPenalty.Of(completions[i].TokenIds.Length, ro.MaxNewTokens, rw.Overlong.BufferTokens!.Value, rw.Overlong.Penalty ?? 1.0);
        // The outcome side of the reward: the judge, the weighted extra reward functions and the overlong penalty.
        var outcomeSide = outcome.Select((o, i) => o + scalar.Extra[i] + overlong[i]).ToArray();

        var segments = new StepSegments[n];
        ProcessScore[]? process = null;
        if (prm is not null && rw.ProcessWeight > 0)
        {
            var separator = rw.Prm.StepSeparator;
            for (int i = 0; i < n; i++) segments[i] = StepSegmentation.Split(policy.Tokenizer, completions[i].TokenIds, texts[i], separator);
            process = prm.Score(completions.Select((c, i) => (prompts[c.PromptIndex].Problem, segments[i].Steps)).ToArray()).ToArray();
        }

        var nonFinite = NonFiniteRewards.Repair(outcomeSide, process, g);
        var advantages = new float[n][];
        double[] mixed = outcomeSide.Select((o, i) => rw.OutcomeWeight * o + rw.ProcessWeight * (process?[i].TrajectoryScore ?? 0)).ToArray();
        if (process is not null && rw.ProcessAdvantage is ProcessAdvantage.Step or ProcessAdvantage.MinForm)
        {
            // Our process-supervised path: outcome advantage per completion plus the DeepSeekMath step advantage.
            var aOut = GroupAdvantages.Compute(outcomeSide, g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            var aStep = ProcessAdvantages.Compute(
                completions.Select((c, i) => new StepRewards(c.TokenIds.Length, segments[i].EndTokens, StepScores(process[i].StepScores))).ToArray(),
                g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            for (int i = 0; i < n; i++)
                advantages[i] = aStep[i].Select(a => (float)(rw.OutcomeWeight * aOut[i] + rw.ProcessWeight * a)).ToArray();
        }
        else
        {
            // The paper's Eq. 12: one mixed scalar per completion, then the group-normalised advantage.
            var a = GroupAdvantages.Compute(mixed, g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            for (int i = 0; i < n; i++) advantages[i] = Enumerable.Repeat((float)a[i], completions[i].TokenIds.Length).ToArray();
        }

        bool filter = rw.Overlong.Mode == OverlongMode.Filter;
        var sequences = completions.Select((c, i) => new GrpoSequence(c.PromptIds, c.TokenIds, advantages[i], c.LogProbs, InLoss: !(filter && c.FinishReason == FinishReason.Length))).ToArray();
        var before = sequences.Select(q => q.InLoss).ToArray();
        NonFiniteRewards.Mask(sequences, nonFinite);
        return completions.Select((c, i) => new Scored(
            c,
            sequences[i],
            mixed[i], outcome[i], process?[i].TrajectoryScore,
            segments[i]?.Steps.Count ?? 0, texts[i].Contains(rw.Prm.StepSeparator, StringComparison.Ordinal), overlong[i],
            NonFinite: before[i] && !sequences[i].InLoss)).ToList();
    }

    /// <summary>The step rewards the step advantage sees: P(+) or the margin, min-form transformed for min_form.</summary>
    private IReadOnlyList<double> StepScores(IReadOnlyList<double> probabilities)
    {
        var rw = options.Reward;
        var r = rw.Prm.StepReward == StepRewardForm.Margin ? probabilities.Select(p => 2 * p - 1).ToArray() : probabilities;
        return rw.ProcessAdvantage == ProcessAdvantage.MinForm ? MinFormCredit.Transform(r, rw.Prm.MinFormTemperature ?? 0.1) : r;
    }

    private static double Std(double[] x)
    {
        if (x.Length < 2) return 0;
        var m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }
}
