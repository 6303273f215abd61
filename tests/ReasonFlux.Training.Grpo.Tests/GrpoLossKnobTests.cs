using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>
/// The loss knobs change the update, and the invariants of an on-policy update hold: one-step runs from the same
/// seed sample identical rollouts, so any difference in the weights comes from the knob.
/// </summary>
[Collection("GrpoStatics")]
public sealed class GrpoLossKnobTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-grpo-knobs-" + Guid.NewGuid().ToString("N"));

    public GrpoLossKnobTests() => GrpoTestKit.WriteInputs(_dir);

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }

    // Stopping on common letters gives completions of different lengths, without which token and sequence
    // means coincide.
    private const string VariedLengths = "rollout.stop=[a, e, i, o, u, t, n, s, r, h, l, d]";

    private string RunOneStep(string name, params string[] overrides) =>
        GrpoTestKit.Run(GrpoTestKit.Recipe(_dir, $"{_dir}/{name}", 1), [VariedLengths, .. overrides]);

    private static string Output(string stage) => Path.Combine(stage, "output");

    [Fact]
    public void EntropyCoefAndLossAggregation_ChangeTheWeights_AndTheOnPolicyInvariantsHold()
    {
        var baseline = RunOneStep("base");
        var again = RunOneStep("again");
        Assert.True(GrpoTestKit.SameWeights(Output(baseline), Output(again)), "two identical runs must give identical weights");

        var entropy = RunOneStep("entropy", "algorithm.entropy_coef=0.01");
        Assert.False(GrpoTestKit.SameWeights(Output(baseline), Output(entropy)), "entropy_coef 0.01 changed nothing");
        var sequence = RunOneStep("sequence", "algorithm.loss_aggregation=sequence");
        Assert.False(GrpoTestKit.SameWeights(Output(baseline), Output(sequence)), "loss_aggregation sequence gave the token weights");
        var m = GrpoTestKit.Metrics(baseline);
        var lengths = m[MetricNames.ResponseLengthMean].Values.Single();
        Assert.True(lengths < m[MetricNames.ResponseLengthMax].Values.Single(), "completions should differ in length");

        // Dr. GRPO: Σ l / (N · C) with C = max_new_tokens 12 against token's Σ l / Σ|o|: the same rollouts give
        // the loss scaled by mean length / C (AdamW's first step is scale-free, so the weights cannot show it).
        var dr = GrpoTestKit.Metrics(RunOneStep("dr", "algorithm.loss_aggregation=seq_sum_norm"));
        Assert.Equal(m[MetricNames.Loss].Values.Single() * lengths / 12, dr[MetricNames.Loss].Values.Single(), 6);
        var dr24 = GrpoTestKit.Metrics(RunOneStep("dr24", "algorithm.loss_aggregation=seq_sum_norm", "algorithm.loss_norm_constant=24"));
        Assert.Equal(dr[MetricNames.Loss].Values.Single() / 2, dr24[MetricNames.Loss].Values.Single(), 6);

        // One update per step: the policy that sampled is the one being updated.
        Assert.Equal(1.0, m["ratio_mean"].Values.Single(), 12);
        Assert.Equal(0.0, m[MetricNames.ClipRatio].Values.Single());
        // The rollout engine and the trainer compute the same log-probs (fp32, no top-p/top-k).
        Assert.InRange(m[GrpoUpdate.LogProbDiffMetric].Values.Single(), 0, 1e-5);
        // A random tiny policy over a 300-token vocabulary is close to uniform: entropy near ln(V).
        Assert.InRange(m[MetricNames.Entropy].Values.Single(), 1.0, Math.Log(400));
    }

    [Fact]
    public void MinFormWithMargin_RunsAndLogsThePrmHackingMetrics()
    {
        // The transform itself is tested on hand-computed values (MinFormCreditTests); a random tiny policy writes
        // no "\n\n", so every completion is one step here and min-form leaves it unchanged.
        var stage = GrpoTestKit.Run(GrpoTestKit.Recipe(_dir, $"{_dir}/min", 1, "min_form"), VariedLengths, "reward.prm.step_reward=margin", "reward.prm.min_form_temperature=0.5");
        var m = GrpoTestKit.Metrics(stage);
        Assert.Equal(1.0, m[GrpoRollouts.NoSeparatorMetric].Values.Single());
        Assert.Equal(1.0, m[GrpoRollouts.ProcessStepsMetric].Values.Single());
    }

    [Fact]
    public void TisCap_IsApplied_AndMetricLogged()
    {
        var stage = RunOneStep("tis", "algorithm.tis_cap=2");
        var m = GrpoTestKit.Metrics(stage);
        Assert.True(m.ContainsKey(GrpoUpdate.TisTruncatedMetric));
        // Rollout and trainer agree to 1e-5, so no weight reaches the cap of 2.
        Assert.Equal(0.0, m[GrpoUpdate.TisTruncatedMetric].Values.Single());
    }

    [Fact]
    public void RecipeChatTemplate_IsSavedWithTheTrainedModel()
    {
        const string marked = "{% for m in messages %}<|im_start|>{{ m['role'] }}\nMARKED {{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        File.WriteAllText(Path.Combine(_dir, "marked.jinja"), marked);
        var stage = RunOneStep("template", $"model.chat_template={_dir}/marked.jinja");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Output(stage), "tokenizer_config.json")))!;
        Assert.Equal(marked, (string)config["chat_template"]!);
        Assert.True(File.Exists(Path.Combine(Output(stage), "tokenizer.json")));
    }

    [Fact]
    public void Eval_RunsAtStepZeroBeforeTraining()
    {
        var evaluated = new List<long>();
        var runner = new GrpoRunner
        {
            ProcessRewardModelFactory = (_, _) => new LowercasePrm(),
            Evaluate = (_, _, step) => { evaluated.Add(step); return new Dictionary<string, double> { ["fake/accuracy"] = step }; },
        };
        var stage = GrpoTestKit.Run(runner, GrpoTestKit.Recipe(_dir, $"{_dir}/eval", 2), "eval.every=1");
        Assert.Equal([0L, 1L, 2L], evaluated);
        Assert.Equal([0L, 1L, 2L], GrpoTestKit.Metrics(stage)["eval/fake/accuracy"].Steps);
    }
}
