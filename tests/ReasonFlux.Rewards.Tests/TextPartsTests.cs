namespace ReasonFlux.Rewards.Tests;

public class TextPartsTests
{
    [Fact]
    public void Split_BlankRunsAndWhitespace_DropsEmptyStepsAndKeepsSpans()
    {
        var text = "  a\n\n\n\nb \n\n\n\n\nc\n\n";
        var steps = StepSplitter.Split(text, "\n\n");
        Assert.Equal(["a", "b", "c"], steps.Select(s => s.Text));
        Assert.All(steps, s => Assert.Equal(s.Text, text.Substring(s.Span.Start, s.Span.Length)));
    }

    [Fact]
    public void Split_NoSeparator_IsOneStep() => Assert.Single(StepSplitter.Split("one step only", "\n\n"));

    [Fact]
    public void Parse_ThinkTags_SplitsTrajectoryAndAnswer()
    {
        var r = ThinkingResponse.Parse("<think>plan\n\ndo</think>\n\nanswer");
        Assert.Equal("plan\n\ndo", r.Trajectory);
        Assert.Equal("\n\nanswer", r.Answer);
    }

    [Fact]
    public void Parse_OnlyClosingTag_TrajectoryIsEverythingBefore()
    {
        var r = ThinkingResponse.Parse("plan</think>answer");
        Assert.Equal("plan", r.Trajectory);
        Assert.Equal("answer", r.Answer);
    }

    [Fact]
    public void Parse_NoTags_NoAnswer()
    {
        var r = ThinkingResponse.Parse("just text");
        Assert.Equal("just text", r.Trajectory);
        Assert.Null(r.Answer);
    }

    [Fact]
    public void FromResponse_EmptyTrajectory_AnswerIsTheOnlyStep()
    {
        var s = PrmSample.FromResponse("q", "<think>\n</think>\n\nfinal");
        Assert.Equal(["final"], s.Steps);
        Assert.Null(s.Answer);
    }

    [Fact]
    public void FromSteps_WithAnswer_ComposesThinkingText()
    {
        var s = PrmSample.FromSteps("q", ["a", "", "b"], "ans");
        Assert.Equal(["a", "b"], s.Steps);
        Assert.Equal("<think>\na\n\nb\n</think>\n\nans", s.Text);
        var back = PrmSample.FromResponse("q", s.Text);
        Assert.Equal(s.Steps, back.Steps);
        Assert.Equal("ans", back.Answer);
    }

    [Fact]
    public void Combine_MeanPlusAlphaFinal()
    {
        Assert.Equal(0.5 + 1.0 * 0.8, TrajectoryScore.Combine([0.2, 0.4, 0.9], 0.8, 1.0), 12);
        Assert.Equal(0.5 + 1.5 * 0.8, TrajectoryScore.Combine([0.2, 0.4, 0.9], 0.8, 1.5), 12);
        Assert.Equal(0.5, TrajectoryScore.Combine([0.2, 0.4, 0.9], 0.8, 0.0), 12);
        Assert.Throws<ArgumentException>(() => TrajectoryScore.Combine([], 0.8, 1.0));
    }

    [Fact]
    public void Plan_TokenBudget_LongestFirstEveryIndexOnceWithinBudget()
    {
        int[] lengths = [5, 40, 12, 40, 7, 3, 30, 100];
        var batches = LengthBatches.Plan(lengths, tokenBudget: 90, maxBatchSize: 3);
        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
        Assert.Equal([7], batches[0]); // longer than the budget: alone
        foreach (var b in batches.Skip(1))
        {
            Assert.True(b.Length <= 3);
            Assert.True(b.Length * b.Max(i => lengths[i]) <= 90);
        }
        var flat = batches.SelectMany(b => b).Select(i => lengths[i]).ToArray();
        Assert.Equal(flat.OrderDescending(), flat);
    }
}
