using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Tests;

/// <summary>The label stage's keys: what a recipe may say and what validation refuses.</summary>
public class LabelOptionsTests
{
    private const string Label = """
        kind: label
        model: { path: builtin:tiny, dtype: float32 }
        data: { problems: prm_problems.jsonl }
        """;

    [Fact]
    public void Parse_TheBriefsShape_FillsEveryKey()
    {
        var l = (LabelOptions)RecipeLoader.Parse(Label + """

            task: quickstart
            samples: 8
            sampling: { max_new_tokens: 64, temperature: 0.7 }
            labels: all
            seed: 1
            system_prompt: ""
            """, "r.yaml").Stages[0];
        Assert.Equal(StageKind.Label, l.Kind);
        Assert.Equal("label", l.Name);
        Assert.Equal("prm_problems.jsonl", l.Data.Problems);
        Assert.Equal((DataTask.Quickstart, 8, 64, 0.7, StepLabels.All, 1L, ""), (l.Task, l.Samples, l.Sampling.MaxNewTokens, l.Sampling.Temperature, l.Labels, l.Seed, l.SystemPrompt));
        Assert.Equal(StepLabels.FirstError, ((LabelOptions)RecipeLoader.Parse(Label, "r.yaml").Stages[0]).Labels);
    }

    [Theory]
    [InlineData("samples: 0", "samples")]
    [InlineData("samples: 4", "temperature 0")]
    [InlineData("labels: last-error", "labels")]
    [InlineData("task: gsm8k", "task")]
    public void Parse_Unsupported_IsRefusedNamingTheKey(string extra, string message)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Label + "\n" + extra + "\n", "r.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Contains(message, error.ToString());
    }

    [Fact]
    public void Parse_WithoutProblems_IsRefused()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("kind: label\nmodel: { path: builtin:tiny }\n", "r.yaml"));
        Assert.Contains(e.Errors, x => x.KeyPath == "data.problems");
    }
}
