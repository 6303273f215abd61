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

    private sealed class FloatComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5;
        public int GetHashCode(float obj) => 0;
    }
}
