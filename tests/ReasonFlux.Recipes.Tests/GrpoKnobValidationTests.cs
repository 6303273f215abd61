using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

/// <summary>GRPO knobs that only make sense together are refused at validation, naming the key.</summary>
public class GrpoKnobValidationTests
{
    private const string Grpo = """
        kind: grpo
        model:
          path: builtin:tiny
        data:
          train: prompts.jsonl

        """;

    [Theory]
    [InlineData("algorithm:\n  loss_norm_constant: 100\n", "algorithm.loss_norm_constant", "only applies to loss_aggregation: seq_sum_norm")]
    [InlineData("rollout:\n  top_p: 0.9\nalgorithm:\n  tis_cap: 2\n", "algorithm.tis_cap", "needs rollout.top_p 1")]
    [InlineData("rollout:\n  stop: [\"</answer>\", \"\"]\n", "rollout.stop[1]", "must not be empty")]
    [InlineData("rollout:\n  max_kv_tokens: 1000\n", "rollout.max_kv_tokens", "less than one row's cache: data.max_prompt_tokens 512 + rollout.max_new_tokens 1024")]
    [InlineData("rollout:\n  max_sampling_rounds: 2\n", "rollout.max_sampling_rounds", "only applies with rollout.dynamic_sampling")]
    [InlineData("reward:\n  overlong:\n    mode: penalty\n", "reward.overlong.buffer_tokens", "mode: penalty needs buffer_tokens")]
    [InlineData("rollout:\n  max_new_tokens: 100\nreward:\n  overlong:\n    mode: penalty\n    buffer_tokens: 200\n", "reward.overlong.buffer_tokens", "longer than rollout.max_new_tokens 100")]
    [InlineData("reward:\n  overlong:\n    mode: filter\n    penalty: 0.5\n", "reward.overlong.penalty", "only applies with mode: penalty")]
    [InlineData("reward:\n  extra: [{name: format, command: \"x\"}]\n", "reward.extra[0].name", "set exactly one of name")]
    [InlineData("reward:\n  extra: [{weight: 2}]\n", "reward.extra[0].name", "set exactly one of name")]
    [InlineData("reward:\n  extra: [{name: length, timeout_s: 3}]\n", "reward.extra[0].timeout_s", "only applies to a command")]
    [InlineData("reward:\n  extra: [{name: lenght}]\n", "reward.extra[0].name", "did you mean \"length\"")]
    [InlineData("reward:\n  extra: format\n", "reward.extra", "expected a list of mappings")]
    [InlineData("reward:\n  prm:\n    min_form_temperature: 0.2\n", "reward.prm.min_form_temperature", "only applies with process_advantage: min_form")]
    [InlineData("reward:\n  prm:\n    step_reward: margin\n", "reward.prm.step_reward", "only applies with process_advantage: step or min_form")]
    [InlineData("reward:\n  min_form_temperature: 0.2\n", "reward.min_form_temperature", "reward.prm.min_form_temperature")]
    [InlineData("reward:\n  step_reward: margin\n", "reward.step_reward", "reward.prm.step_reward")]
    public void Refused(string section, string key, string message)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Grpo + section, "r.yaml"));
        Assert.True(e.Errors.Count == 1, e.Message);
        Assert.Equal(key, e.Errors[0].KeyPath);
        Assert.Contains(message, e.Errors[0].Message);
    }

    [Fact]
    public void RewardExtra_WritesAndParsesBack()
    {
        var recipe = RecipeLoader.Parse(Grpo + "reward:\n  extra:\n    - {name: format, weight: 0.1}\n    - command: python3 r.py\n      timeout_s: 5\n", "r.yaml");
        var extra = ((GrpoOptions)recipe.Stages[0]).Reward.Extra;
        Assert.Equal(2, extra.Count);
        Assert.Equal((BuiltinReward?)BuiltinReward.Format, extra[0].Name);
        Assert.Equal(("python3 r.py", (double?)5, 1.0), (extra[1].Command, extra[1].TimeoutS, extra[1].Weight));
        var again = RecipeLoader.Parse(RecipeWriter.Write(recipe), "again.yaml");
        Assert.Equal(recipe.Stages, again.Stages);
    }

    [Fact]
    public void Accepted_WithTheirDefaults()
    {
        var o = (GrpoOptions)RecipeLoader.Parse(Grpo + "rollout:\n  max_new_tokens: 64\n  stop: [\"</answer>\"]\nalgorithm:\n  loss_aggregation: seq_sum_norm\n", "r.yaml").Stages[0];
        Assert.Equal(LossAggregation.SeqSumNorm, o.Algorithm.LossAggregation);
        Assert.Equal(64, o.LossNormConstant);
        Assert.Equal(["</answer>"], o.Rollout.Stop);
    }
}
