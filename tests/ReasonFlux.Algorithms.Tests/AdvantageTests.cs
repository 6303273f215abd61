namespace ReasonFlux.Algorithms.Tests;

public class AdvantageTests
{
    [Fact]
    public void GroupAdvantages_NormaliseWithinEachGroup_UnbiasedStd()
    {
        var a = GroupAdvantages.Compute([1, 0, 0, 1, /* second group */ 1, 1, 1, 1], 4);
        var std = Math.Sqrt(4 * 0.25 / 3); // unbiased std of {1,0,0,1}
        Assert.Equal(0.5 / (std + 1e-6), a[0], 9);
        Assert.Equal(-0.5 / (std + 1e-6), a[1], 9);
        Assert.All(a[4..], x => Assert.Equal(0, x));
        Assert.Equal(0.5, GroupAdvantages.ZeroStdFraction([1, 0, 0, 1, 1, 1, 1, 1], 4));
    }

    [Fact]
    public void GroupAdvantages_DrGrpo_SubtractsMeanOnly_AndGroupOfOneIsUnchanged()
    {
        Assert.Equal([0.75, -0.25, -0.25, -0.25], GroupAdvantages.Compute([1, 0, 0, 0], 4, stdNormalize: false));
        Assert.Equal([0.3, -2.0], GroupAdvantages.Compute([0.3, -2.0], 1, stdNormalize: true, epsilon: 0));
    }

    [Fact]
    public void ProcessAdvantages_TokenGetsSumOfLaterNormalisedStepRewards()
    {
        // Two completions, one group. Steps rewards R = {1, 0, 0.5, 0.5}: mean 0.5, unbiased std sqrt(1/6).
        var c0 = new StepRewards(6, [1, 5], [1.0, 0.0]);
        var c1 = new StepRewards(4, [2, 3], [0.5, 0.5]);
        var adv = ProcessAdvantages.Compute([c0, c1], 2, epsilon: 0);
        var s = Math.Sqrt(1.0 / 6);
        double n1 = 0.5 / s, n0 = -0.5 / s;
        // c0: tokens 0-1 belong to step 0 (ends at 1) → n1 + n0; tokens 2-5 to step 1 → n0.
        Assert.Equal([n1 + n0, n1 + n0, n0, n0, n0, n0], adv[0].Select(x => Math.Round(x, 9)).ToArray().Select(x => x).ToArray(), new RoundedComparer());
        Assert.All(adv[1], x => Assert.Equal(0, x, 9));
    }

    [Fact]
    public void ProcessAdvantages_FlawedMiddleStep_LowersEarlierTokensMoreThanLaterOnes()
    {
        var good = new StepRewards(9, [2, 5, 8], [0.9, 0.9, 0.9]);
        var flawed = new StepRewards(9, [2, 5, 8], [0.9, 0.1, 0.9]);
        var adv = ProcessAdvantages.Compute([good, flawed], 2);
        Assert.True(adv[0][0] > adv[1][0]);       // the flawed run's early tokens led to the bad step
        Assert.True(adv[1][4] < adv[1][7]);       // within it, the flawed step's tokens are below the recovery
        Assert.Equal(adv[0][7], adv[1][7], 9);    // the last step is rewarded equally
    }

    [Fact]
    public void ProcessAdvantages_StepEndOutsideCompletion_IsError()
    {
        Assert.Throws<ArgumentException>(() => ProcessAdvantages.Compute([new StepRewards(3, [5], [1.0])], 1));
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-6;
        public int GetHashCode(double obj) => 0;
    }
}

public class OverlongPenaltyTests
{
    [Theory]
    [InlineData(100, 0.0)]   // inside L − B
    [InlineData(120, 0.0)]   // at L − B
    [InlineData(125, -0.25)] // a quarter into the ramp
    [InlineData(140, -1.0)]  // at L
    public void Of_FollowsDapoRamp(int length, double expected) =>
        Assert.Equal(expected, OverlongPenalty.Of(length, maxNewTokens: 140, bufferTokens: 20, penalty: 1.0), 12);
}

public class MinFormCreditTests
{
    [Fact]
    public void Transform_MatchesHandComputedWeights()
    {
        // T = 0.1, r = [0.9, 0.1]: w = softmax([−9, −1]) = [e^−8, 1] / (1 + e^−8).
        var r = MinFormCredit.Transform([0.9, 0.1], 0.1);
        double z = 1 + Math.Exp(-8);
        Assert.Equal(0.9 * Math.Exp(-8) / z, r[0], 12);
        Assert.Equal(0.1 / z, r[1], 12);
    }

    [Fact]
    public void Sum_ApproachesMinForSmallTAndMeanForLargeT()
    {
        double[] r = [0.8, 0.3, 0.95, 0.6];
        Assert.Equal(0.3, MinFormCredit.Transform(r, 0.001).Sum(), 6);
        Assert.Equal(r.Average(), MinFormCredit.Transform(r, 1e6).Sum(), 5);
        Assert.Empty(MinFormCredit.Transform([], 0.1));
    }
}
