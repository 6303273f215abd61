using System.Diagnostics;

namespace ReasonFlux.Grading.Tests;

public class RobustnessTests
{
    [Theory]
    [InlineData("2^{2^{2^{2^{20}}}}", "2^{2^{2^{2^{21}}}}")]
    [InlineData("100000!", "100001!")]
    [InlineData("\\frac{1}{2^{99999999}}", "0")]
    [InlineData("10^{10^{10}}", "10^{10^{10}}+1")]
    public void AreEquivalent_HugeValues_FinishQuicklyAndAreNotEqual(string gold, string pred)
    {
        var sw = Stopwatch.StartNew();
        Assert.False(AnswerGrader.AreEquivalent(gold, pred));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"took {sw.Elapsed}");
    }

    [Fact]
    public void AreEquivalent_DeepNesting_DoesNotOverflowStack()
    {
        var deep = new string('(', 5000) + "1" + new string(')', 5000);
        Assert.False(AnswerGrader.AreEquivalent("2", deep));
        var braces = string.Concat(Enumerable.Repeat("\\frac{1}{", 3000)) + "2" + new string('}', 3000);
        Assert.False(AnswerGrader.AreEquivalent("2", braces));
    }

    [Fact]
    public void Grade_PathologicalText_IsLinear()
    {
        var junk = string.Concat(Enumerable.Repeat("\\boxed{\\boxed{$$\\left(", 20_000));
        var sw = Stopwatch.StartNew();
        var result = AnswerGrader.Grade("1", junk);
        Assert.False(result.Equal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Grade_TinyTimeLimit_CountsAsNotEqual()
    {
        var options = new GradingOptions { TimeLimit = TimeSpan.Zero };
        var result = AnswerGrader.Grade("\\frac{x+2}{7}", "\\boxed{\\frac{x}{7}+\\frac{2}{7}}", GradingTask.Math, options);
        Assert.False(result.Equal);
        Assert.Equal(GradeReason.Timeout, result.Reason);
    }

    [Fact]
    public void Grade_ConcurrentCalls_GiveSameResults()
    {
        var cases = GradingCase.Load(GradingCasesTests.DataPath("cases.jsonl")).ToList();
        var sequential = cases.Select(c => c.Evaluate()).ToArray();
        var parallel = new bool[cases.Count];
        Parallel.For(0, cases.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i % cases.Count] = cases[i % cases.Count].Evaluate());
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Grade_EmptyGold_IsReported()
    {
        Assert.Equal(GradeReason.EmptyGold, AnswerGrader.Grade("  ", "\\boxed{1}").Reason);
    }
}
