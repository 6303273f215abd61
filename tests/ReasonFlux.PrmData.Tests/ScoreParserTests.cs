using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.Steps;

namespace ReasonFlux.PrmData.Tests;

public sealed class ScoreParserTests
{
    [Theory]
    [InlineData("0.8", 1.0, 0.8)]
    [InlineData("  1 ", 1.0, 1.0)]
    [InlineData("Score: 7/10", 1.0, 0.7)]
    [InlineData("The step is sound.\nScore: 0.85", 1.0, 0.85)]
    [InlineData("**Score:** 3 / 4", 1.0, 0.75)]
    [InlineData("score = 60%", 1.0, 0.6)]
    [InlineData("8 out of 10", 1.0, 0.8)]
    [InlineData("7/10", 1.0, 0.7)]
    [InlineData("\\boxed{0.25}", 1.0, 0.25)]
    [InlineData("Score: 7", 10.0, 0.7)]
    [InlineData("9", 10.0, 0.9)]
    [InlineData("Step 3 looks wrong. Score: 0.2. Revised score: 0.4", 1.0, 0.4)]
    public void TryParse_AcceptedForms_GiveTheScore(string reply, double scale, double expected)
    {
        Assert.True(JudgeScoreParser.TryParse(reply, scale, out var score), reply);
        Assert.Equal(expected, score, 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("The step is fine.")]
    [InlineData("Step 1 is correct")]
    [InlineData("Score: 7")]
    [InlineData("Score: 11/10")]
    [InlineData("Score: -0.2")]
    [InlineData("Score: 3/0")]
    [InlineData("0.5 or 0.7")]
    [InlineData("Score: high")]
    public void TryParse_UnparsableOrOutOfRange_Fails(string reply) =>
        Assert.False(JudgeScoreParser.TryParse(reply, 1.0, out _), reply);

    [Fact]
    public void Split_OnSeparator_TrimsAndDropsEmptySteps()
    {
        Assert.Equal(["a", "b c", "d"], StepSplitter.Split("a\n\n b c \n\n\n\nd\n\n", "\n\n"));
        Assert.Equal(["x", "y"], StepSplitter.Split("x\r\n\r\ny", "\n\n"));
        Assert.Equal(["x", "y"], StepSplitter.Split("x<extra_0>y", "<extra_0>"));
        Assert.Empty(StepSplitter.Split(" \n\n ", "\n\n"));
    }

    [Fact]
    public void StripThinkTags_RemovesOuterTagsOnly() =>
        Assert.Equal("a\n\nb", StepSplitter.StripThinkTags("<think>\na\n\nb\n</think>\n"));

    [Fact]
    public void Render_ReplacesKnownPlaceholdersOnce_LeavesOtherBraces()
    {
        var s = PromptTemplates.Render("P={problem} S={step} \\boxed{} {unknown}", new Dictionary<string, string> { ["problem"] = "{step}", ["step"] = "x" });
        Assert.Equal("P={step} S=x \\boxed{} {unknown}", s);
    }

    [Fact]
    public void OptionsValidate_PromptWithoutStepPlaceholder_Throws()
    {
        var o = new PrmDataOptions { Quality = new QualityOptions { PromptTemplate = "judge {problem}" } };
        var e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains("quality.prompt_template", e.Message);
    }

    [Fact]
    public void OptionsLoad_RoundTripsJson_AndRejectsUnknownKeys()
    {
        var dir = Directory.CreateTempSubdirectory("prmdata-opt").FullName;
        var path = Path.Combine(dir, "c.json");
        var o = new PrmDataOptions { Coherence = new CoherenceOptions { Temperature = 0.3, NumNegatives = 4 }, Alignment = new AlignmentOptions { Scale = AlignmentScale.Shift } };
        File.WriteAllText(path, o.ToJson());
        var back = PrmDataOptions.Load(path);
        Assert.Equal(0.3, back.Coherence.Temperature);
        Assert.Equal(4, back.Coherence.NumNegatives);
        Assert.Equal(AlignmentScale.Shift, back.Alignment.Scale);
        File.WriteAllText(path, "{\"coherence\": {\"tau\": 0.2}}");
        var e = Assert.Throws<InvalidDataException>(() => PrmDataOptions.Load(path));
        Assert.Contains(path, e.Message);
    }
}
