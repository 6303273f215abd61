using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Algorithms.Tests;

public class PolicyLossTests
{
    [Fact]
    public void OnPolicy_LossIsMinusMeanAdvantage_AndGradientIsMinusAOverN()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[] { -1, -2, -0.5f, -3 }, [2, 2]).requires_grad_();
        var adv = tensor(new float[] { 1, 1, -2, 0 }, [2, 2]);
        var mask = tensor(new float[] { 1, 1, 1, 0 }, [2, 2]);
        var (loss, stats) = PolicyLoss.Compute(logp, logp.detach(), null, adv, mask, new PolicyLossOptions(), normaliser: 3);
        Assert.Equal(-(1 + 1 - 2) / 3.0, loss.ToDouble(), 6);
        loss.backward();
        Assert.Equal(new[] { -1 / 3f, -1 / 3f, 2 / 3f, 0 }, logp.grad!.ToArray<float>().Select(x => MathF.Round(x, 6)).ToArray(), new FloatComparer());
        Assert.Equal(3, stats.Tokens);
        Assert.Equal(0, stats.ClippedTokens);
    }

    [Fact]
    public void RatioAboveClip_PositiveAdvantage_IsClippedWithNoGradient()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[] { MathF.Log(1.5f) }, [1, 1]).requires_grad_();
        var old = zeros([1, 1]);
        var (loss, stats) = PolicyLoss.Compute(logp, old, null, ones([1, 1]), ones([1, 1]), new PolicyLossOptions(), 1);
        Assert.Equal(-1.2, loss.ToDouble(), 5);
        loss.backward();
        Assert.Equal(0f, logp.grad!.ToArray<float>()[0]);
        Assert.Equal(1, stats.ClippedTokens);
    }

    [Fact]
    public void DualClip_CapsLossForNegativeAdvantageAndHugeRatio()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[] { MathF.Log(10f) }, [1, 1]);
        var (loss, stats) = PolicyLoss.Compute(logp, zeros([1, 1]), null, full([1L, 1L], -1.0), ones([1, 1]), new PolicyLossOptions { DualClip = 3 }, 1);
        Assert.Equal(3.0, loss.ToDouble(), 5); // min(10, 3) for A = -1
        Assert.Equal(1, stats.DualClippedTokens);
    }

    [Fact]
    public void KlK3_MatchesFormula_AndIsZeroAtReference()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[] { -1f, -2f });
        var refp = tensor(new float[] { -1f, -1.5f });
        var k3 = PolicyLoss.Kl(logp, refp, KlKind.K3).ToArray<float>();
        Assert.Equal(0f, k3[0], 6);
        var u = 0.5; // ref − logp
        Assert.Equal((float)(Math.Exp(u) - u - 1), k3[1], 5);
        Assert.Equal(0.125f, PolicyLoss.Kl(logp, refp, KlKind.K2).ToArray<float>()[1], 6);
    }

    [Fact]
    public void SequenceMean_WeightsSequencesEqually()
    {
        using var scope = NewDisposeScope();
        var logp = zeros([2, 3]);
        var adv = tensor(new float[] { 1, 1, 1, 4, 0, 0 }, [2, 3]);
        var mask = tensor(new float[] { 1, 1, 1, 1, 0, 0 }, [2, 3]);
        var (loss, _) = PolicyLoss.Compute(logp, logp, null, adv, mask, new PolicyLossOptions { Reduction = LossReduction.SequenceMean }, 2);
        Assert.Equal(-(1 + 4) / 2.0, loss.ToDouble(), 6);
    }

    [Theory]
    // l_it = −A_it at ratio 1. Sequence 1: three tokens of A = 1; sequence 2: one token of A = 4 (two padding).
    [InlineData(LossReduction.TokenMean, 4, -(1 + 1 + 1 + 4) / 4.0)]          // Σ l / Σ|o| = −7/4
    [InlineData(LossReduction.SequenceMean, 2, -(3 / 3.0 + 4 / 1.0) / 2)]      // mean of token means = −2.5
    [InlineData(LossReduction.SequenceSumOverConstant, 2, -(3 / 5.0 + 4 / 5.0) / 2)] // mean of token sums / C=5 = −0.7
    public void Reductions_MatchHandComputedValues(LossReduction reduction, double normaliser, double expected)
    {
        using var scope = NewDisposeScope();
        var logp = zeros([2, 3]);
        var adv = tensor(new float[] { 1, 1, 1, 4, 0, 0 }, [2, 3]);
        var mask = tensor(new float[] { 1, 1, 1, 1, 0, 0 }, [2, 3]);
        var (loss, _) = PolicyLoss.Compute(logp, logp, null, adv, mask, new PolicyLossOptions { Reduction = reduction, NormConstant = 5 }, normaliser);
        Assert.Equal(expected, loss.ToDouble(), 6);
    }

    [Fact]
    public void EntropyBonus_SubtractsCoefTimesEntropy_AndIsReported()
    {
        using var scope = NewDisposeScope();
        var logp = zeros([1, 2]);
        var h = tensor(new float[] { 0.5f, 1.5f }, [1, 2]);
        var o = new PolicyLossOptions { EntropyCoefficient = 0.1 };
        var (loss, stats) = PolicyLoss.Compute(logp, logp, null, zeros([1, 2]), ones([1, 2]), o, 2, h);
        Assert.Equal(-0.1 * (0.5 + 1.5) / 2, loss.ToDouble(), 6);
        Assert.Equal(2.0, stats.EntropySum, 6);
    }

    [Fact]
    public void TokenEntropy_OfKnownDistributions()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, 0, 0, 0, 0, MathF.Log(3), -1e9f, -1e9f }, [2, 4]);
        var h = TokenEntropy.FromLogits(logits).ToArray<float>();
        Assert.Equal(Math.Log(4), h[0], 5);
        Assert.Equal(-(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75)), h[1], 5);
    }

    [Fact]
    public void TruncatedImportanceSampling_WeightsByCappedRolloutRatio()
    {
        using var scope = NewDisposeScope();
        var logp = zeros([1, 2]);
        // π_old/π_rollout = 4 (capped at 2) and 0.5.
        var rollout = tensor(new float[] { -MathF.Log(4), MathF.Log(2) }, [1, 2]);
        var o = new PolicyLossOptions { TisCap = 2 };
        var (loss, stats) = PolicyLoss.Compute(logp, logp, null, ones([1, 2]), ones([1, 2]), o, 2, rolloutLogp: rollout);
        Assert.Equal(-(2 + 0.5) / 2, loss.ToDouble(), 5);
        Assert.Equal(1, stats.TisTruncatedTokens);
        Assert.Throws<ArgumentException>(() => PolicyLoss.Compute(logp, logp, null, ones([1, 2]), ones([1, 2]), o, 2));
    }

    private sealed class FloatComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5;
        public int GetHashCode(float obj) => 0;
    }
}
