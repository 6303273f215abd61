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
/// frozen PRM when one is configured, and turn it all into per-token advantages.
/// </summary>
public sealed class GrpoRollouts(LanguageModel policy, GrpoOptions options, IProcessRewardModel? prm)
{
    private readonly RolloutEngine _engine = new(policy.Model, policy.Tokenizer);

    /// <summary>Renders a problem as the policy sees it: a user turn in its chat template, ready for the answer.</summary>
    public static int[] EncodePrompt(LanguageModel policy, string problem) =>
        policy.Tokenizer.Encode(policy.ChatTemplate.Render([ChatMessage.User(problem)], addGenerationPrompt: true));

    public GrpoRolloutBatch Run(IReadOnlyList<GrpoPrompt> prompts, long seed)
    {
        var ro = options.Rollout;
        var rw = options.Reward;
        int g = ro.GroupSize;
        var sampling = new SamplingParams
        {
            Temperature = ro.Temperature, TopP = ro.TopP, TopK = ro.TopK, MaxNewTokens = ro.MaxNewTokens,
            StopTokenIds = policy.StopTokenIds, StopStrings = ro.Stop, Seed = seed,
        };
        var completions = _engine.Generate(prompts.Select(p => p.PromptIds).ToArray(), sampling, g);
        int n = completions.Count;
        var outcome = new double[n];
        for (int i = 0; i < n; i++) outcome[i] = OutcomeReward.Score(rw.Outcome, completions[i].Text ?? "", prompts[completions[i].PromptIndex].Answer);

        var segments = new StepSegments[n];
        ProcessScore[]? process = null;
        if (prm is not null && rw.ProcessWeight > 0)
        {
            var separator = rw.Prm.StepSeparator;
            for (int i = 0; i < n; i++) segments[i] = StepSegmentation.Split(policy.Tokenizer, completions[i].TokenIds, completions[i].Text ?? "", separator);
            process = prm.Score(completions.Select((c, i) => (prompts[c.PromptIndex].Problem, segments[i].Steps)).ToArray()).ToArray();
        }

        var advantages = new float[n][];
        double[] mixed;
        if (process is not null && rw.ProcessAdvantage == ProcessAdvantage.Step)
        {
            // Our process-supervised path: outcome advantage per completion plus the DeepSeekMath step advantage.
            var aOut = GroupAdvantages.Compute(outcome, g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            var aStep = ProcessAdvantages.Compute(
                completions.Select((c, i) => new StepRewards(c.TokenIds.Length, segments[i].EndTokens, process[i].StepScores)).ToArray(),
                g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            for (int i = 0; i < n; i++)
                advantages[i] = aStep[i].Select(a => (float)(rw.OutcomeWeight * aOut[i] + rw.ProcessWeight * a)).ToArray();
            mixed = outcome.Select((o, i) => rw.OutcomeWeight * o + rw.ProcessWeight * process[i].TrajectoryScore).ToArray();
        }
        else
        {
            // The paper's Eq. 12: one mixed scalar per completion, then the group-normalised advantage.
            mixed = outcome.Select((o, i) => rw.OutcomeWeight * o + rw.ProcessWeight * (process?[i].TrajectoryScore ?? 0)).ToArray();
            var a = GroupAdvantages.Compute(mixed, g, options.Algorithm.StdNormalize, options.Algorithm.AdvantageEpsilon);
            for (int i = 0; i < n; i++) advantages[i] = Enumerable.Repeat((float)a[i], completions[i].TokenIds.Length).ToArray();
        }

        var sequences = completions.Select((c, i) => new GrpoSequence(c.PromptIds, c.TokenIds, advantages[i], c.LogProbs)).ToArray();
        var lengths = completions.Select(c => (double)c.TokenIds.Length).ToArray();
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Reward] = mixed.Average(),
            [MetricNames.RewardStd] = Std(mixed),
            [MetricNames.RewardOutcome] = outcome.Average(),
            [MetricNames.Accuracy] = outcome.Average(x => x > 0.5 ? 1.0 : 0.0),
            [MetricNames.FracRewardZeroStd] = GroupAdvantages.ZeroStdFraction(mixed, g),
            [MetricNames.ResponseLengthMean] = lengths.Average(),
            [MetricNames.ResponseLengthMax] = lengths.Max(),
            [MetricNames.ResponseClippedRatio] = completions.Average(c => c.FinishReason == FinishReason.Length ? 1.0 : 0.0),
        };
        if (process is not null)
        {
            metrics[MetricNames.RewardProcess] = process.Average(p => p.TrajectoryScore);
            metrics["reward/process_steps_mean"] = segments.Average(s => (double)s.Steps.Count);
        }
        return new GrpoRolloutBatch(sequences, metrics, (long)lengths.Sum());
    }

    private static double Std(double[] x)
    {
        if (x.Length < 2) return 0;
        var m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }
}
