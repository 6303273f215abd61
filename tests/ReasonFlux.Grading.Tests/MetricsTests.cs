using ReasonFlux.Grading.Metrics;

namespace ReasonFlux.Grading.Tests;

public class MetricsTests
{
    /// <summary>pass@k by brute force: the fraction of k-subsets of n samples that contain a correct one.</summary>
    private static double BruteForcePassAtK(int n, int c, int k)
    {
        int total = 0, hit = 0;
        for (int mask = 0; mask < 1 << n; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != k) continue;
            total++;
            if ((mask & ((1 << c) - 1)) != 0) hit++;
        }
        return (double)hit / total;
    }

    [Theory]
    [InlineData(5, 0, 1)]
    [InlineData(5, 5, 3)]
    [InlineData(6, 2, 1)]
    [InlineData(6, 2, 3)]
    [InlineData(8, 3, 4)]
    [InlineData(10, 1, 5)]
    [InlineData(12, 7, 2)]
    public void Estimate_SmallCases_MatchesSubsetEnumeration(int n, int c, int k)
    {
        Assert.Equal(BruteForcePassAtK(n, c, k), PassAtK.Estimate(n, c, k), 12);
    }

    [Fact]
    public void Estimate_ClosedForm_MatchesBinomialRatio()
    {
        // 1 - C(n-c, k) / C(n, k) for n = 64, c = 10, k = 8, with exact big-integer binomials.
        static System.Numerics.BigInteger Binom(int n, int k)
        {
            System.Numerics.BigInteger r = 1;
            for (int i = 0; i < k; i++) r = r * (n - i) / (i + 1);
            return r;
        }
        double expected = 1 - (double)Binom(54, 8) / (double)Binom(64, 8);
        Assert.Equal(expected, PassAtK.Estimate(64, 10, 8), 12);
        Assert.Equal(10.0 / 64, PassAtK.Estimate(64, 10, 1), 12);
    }

    [Fact]
    public void Estimate_LargeN_DoesNotOverflow()
    {
        double v = PassAtK.Estimate(10_000, 3, 1000);
        Assert.InRange(v, 0.27, 0.28); // 1 - (0.9)^3 approximately
    }

    [Fact]
    public void Estimate_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(4, 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(4, 1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(0, 0, 1));
    }

    [Fact]
    public void MeanPassAt1_AveragesSamplesThenProblems()
    {
        var problems = new List<IReadOnlyList<bool>>
        {
            new[] { true, false, false, false },
            new[] { true, true, true, true },
        };
        Assert.Equal((0.25 + 1.0) / 2, PassAtK.MeanPassAt1(problems), 12);
    }

    [Fact]
    public void Vote_EquivalentSpellings_FormOneCluster()
    {
        var result = MajorityVote.Vote(["1/2", "3", "0.5", null, "\\frac{1}{2}", "3"]);
        Assert.Equal("1/2", result.Answer);
        Assert.Equal(3, result.Votes);
        Assert.Equal(2, result.Clusters.Count);
    }

    [Fact]
    public void Vote_Tie_GoesToEarliestCluster()
    {
        var result = MajorityVote.Vote(["7", "8", "8", "7"]);
        Assert.Equal("7", result.Answer);
    }

    [Fact]
    public void IsCorrect_MajAtK_UsesFirstKAnswers()
    {
        string?[] answers = ["5", "6", "6", "5", "5"];
        Assert.False(MajorityVote.IsCorrect("5", answers, 3));
        Assert.True(MajorityVote.IsCorrect("5", answers, 5));
        Assert.True(MajorityVote.IsCorrect("C", ["C", "B", "C"], 3, GradingTask.Choice));
    }

    [Fact]
    public void BestOfN_PicksHighestScore_TiesToEarliest()
    {
        double[] scores = [0.1, 0.9, double.NaN, 0.9];
        Assert.Equal(1, BestOfN.Select(scores));
        Assert.Equal(0, BestOfN.Select(scores, 1));
        Assert.True(BestOfN.IsCorrect(scores, [false, true, false, false]));
        Assert.False(BestOfN.IsCorrect(scores, [true, false, true, true]));
    }

    [Fact]
    public void WeightedVote_SumsWeightsPerEquivalenceCluster()
    {
        string?[] answers = ["\\frac{1}{2}", "7", "0.5", null, "7"];
        double[] weights = [0.4, 0.5, 0.3, 5.0, double.NaN];
        var result = MajorityVote.WeightedVote(answers, weights);
        Assert.Equal("\\frac{1}{2}", result.Answer);
        Assert.Equal(0.7, result.Weight, 12);
        Assert.Equal("7", MajorityVote.Vote(["7", "\\frac{1}{2}", "7"]).Answer);
        Assert.False(MajorityVote.IsWeightedCorrect("7", answers, weights, 5));
        Assert.True(MajorityVote.IsWeightedCorrect("7", answers, weights, 2));
        Assert.Null(MajorityVote.WeightedVote([null, " "], [1.0, 2.0]).Answer);
        Assert.Throws<ArgumentException>(() => MajorityVote.WeightedVote(["1"], [1.0, 2.0]));
    }
}
