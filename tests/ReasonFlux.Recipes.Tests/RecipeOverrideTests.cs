using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

public class RecipeOverrideTests
{
    private const string Pipeline = """
        run_name: demo
        stages:
          - kind: sft
            model: {path: "builtin:tiny"}
            data: {train: s.jsonl}
          - kind: grpo
            model:
              path: "${stages.sft.output}"
            data:
              train: p.jsonl
            rollout:
              group_size: 8
        """;

    private static Recipe Load(params string[] overrides) => RecipeLoader.Parse(Pipeline, "p.yaml", overrides);

    [Theory]
    [InlineData("stages.grpo.rollout.group_size=4")]
    [InlineData("stages.1.rollout.group_size=4")]
    [InlineData("grpo.rollout.group_size=4")]
    public void Set_StageAddressedByNameIndexOrShorthand_OverridesTypedValue(string arg)
    {
        var grpo = (GrpoOptions)Load(arg).GetStage("grpo");
        Assert.Equal(4, grpo.Rollout.GroupSize);
    }

    [Fact]
    public void Set_KeyOfAbsentSection_CreatesIt()
    {
        var grpo = (GrpoOptions)Load("grpo.algorithm.clip_epsilon_high=0.28", "grpo.reward.prm.mode=released-code").GetStage("grpo");
        Assert.Equal(0.28, grpo.Algorithm.ClipEpsilonHigh);
        Assert.Equal(PrmMode.ReleasedCode, grpo.Reward.Prm.Mode);
        Assert.Equal(0.2, grpo.Algorithm.ClipEpsilonLow); // untouched keys keep their defaults
    }

    [Fact]
    public void Set_RunName_ChangesRunFolderAndStageReferences()
    {
        var recipe = Load("run_name=other", "sft.training.steps=7");
        Assert.Equal(Path.Combine("checkpoints", "other"), recipe.RunDirectory);
        Assert.Equal("checkpoints/other/sft/output", ((GrpoOptions)recipe.GetStage("grpo")).Model.Path);
        Assert.Equal(7L, ((SftOptions)recipe.GetStage("sft")).Training.Steps);
    }

    [Fact]
    public void Set_NullOnNullableKey_ClearsIt()
    {
        var grpo = (GrpoOptions)Load("grpo.training.grad_accumulation=16", "grpo.training.grad_accumulation=null").GetStage("grpo");
        Assert.Null(grpo.Training.GradAccumulation);
    }

    [Fact]
    public void Set_UnknownPath_ErrorsWithDidYouMean()
    {
        var e = Assert.Throws<RecipeException>(() => Load("grpo.rollout.group_sise=4"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("--set grpo.rollout.group_sise=4", error.Location.ToString());
        Assert.Contains("did you mean \"rollout.group_size\"?", error.Message);
    }

    [Fact]
    public void Set_KeyInWrongSection_SuggestsFullPath()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.optimizer.group_size=4")).Errors);
        Assert.Contains("did you mean rollout.group_size?", error.Message);
    }

    [Fact]
    public void Set_UnknownStage_ErrorsWithDidYouMean()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("stages.gpro.rollout.group_size=4")).Errors);
        Assert.Contains("did you mean \"grpo\"?", error.Message);
    }

    [Fact]
    public void Set_WrongType_ReportedAgainstTheOverride()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.rollout.group_size=many")).Errors);
        Assert.Equal("--set grpo.rollout.group_size=many", error.Location.ToString());
        Assert.Equal("stages.grpo.rollout.group_size", error.KeyPath);
        Assert.Contains("expected an integer", error.Message);
    }

    [Fact]
    public void Set_OutOfRange_ReportedAgainstTheOverride()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.rollout.top_p=1.5")).Errors);
        Assert.Equal("--set grpo.rollout.top_p=1.5", error.Location.Source);
        Assert.Contains("out of range", error.Message);
    }

    [Fact]
    public void Set_ValueOnSectionPath_IsAnError()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.rollout.group_size.x=1")).Errors);
        Assert.Contains("\"rollout.group_size\" holds a value (integer [2, 1024]), not a section", error.Message);
    }

    [Fact]
    public void Set_WithoutEquals_IsAnError()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.rollout.group_size")).Errors);
        Assert.Contains("expected KEY=VALUE", error.Message);
    }

    [Fact]
    public void Set_Kind_IsRejected()
    {
        var error = Assert.Single(Assert.Throws<RecipeException>(() => Load("grpo.kind=sft")).Errors);
        Assert.Contains("kind cannot be changed", error.Message);
    }

    [Fact]
    public void Set_SingleStageRecipe_UsesPlainKeys()
    {
        var recipe = RecipeLoader.Parse("kind: eval\nmodel: {path: m}\n", "e.yaml", ["n=4", "sampling.temperature=0.6", "stages.eval.limit=10"]);
        var eval = (EvalOptions)recipe.Stages[0];
        Assert.Equal((4, 0.6, 10), (eval.N, eval.Sampling.Temperature, eval.Limit!.Value));
        Assert.Equal("e", recipe.RunName);
    }
}
