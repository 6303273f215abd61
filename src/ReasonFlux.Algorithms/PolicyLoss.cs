using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Algorithms;

/// <summary>Scalar summaries of one loss computation, summed over the micro-batch (divide by Tokens for means).</summary>
public sealed record PolicyLossStats(double Tokens, double ClippedTokens, double DualClippedTokens, double KlSum, double RatioSum, double EntropySum,
    double TisTruncatedTokens = 0);

/// <summary>
/// GRPO's clipped surrogate with verl's dual clip and a reference KL in the loss:
/// L = max(−A·ρ, −A·clip(ρ, 1−ε_low, 1+ε_high)), for A &lt; 0 also min(·, −A·c), optionally weighted by the
/// truncated importance ratio min(π_old/π_rollout, cap); plus β·KL(π‖π_ref) − c_H·H per token.
/// The result is already divided by the reduction's normaliser, so micro-batch losses can simply be summed
/// (backward per micro-batch) and give the gradient of the whole batch.
/// </summary>
public static class PolicyLoss
{
    /// <param name="logp">[N, T] log-probs of the completion tokens under the current policy (with grad).</param>
    /// <param name="oldLogp">[N, T] under the policy that sampled them (no grad).</param>
    /// <param name="refLogp">[N, T] under the reference policy, or null when the KL coefficient is 0.</param>
    /// <param name="advantages">[N, T] per-token advantages.</param>
    /// <param name="mask">[N, T] 1 for completion tokens, 0 for padding.</param>
    /// <param name="normaliser">For TokenMean the token count of the whole accumulated batch; for SequenceMean and
    /// SequenceSumOverConstant its sequence count.</param>
    /// <param name="entropy">[N, T] per-token entropy (with grad when the bonus is on); null: no bonus, no statistic.</param>
    /// <param name="rolloutLogp">[N, T] log-probs the rollout engine reported when sampling; needed when TisCap &gt; 0.</param>
    public static (Tensor Loss, PolicyLossStats Stats) Compute(Tensor logp, Tensor oldLogp, Tensor? refLogp, Tensor advantages, Tensor mask,
        PolicyLossOptions o, double normaliser, Tensor? entropy = null, Tensor? rolloutLogp = null)
    {
        using var scope = NewDisposeScope();
        var m = mask.to(ScalarType.Float32);
        // verl clamps the log-ratio before exp so one bad token cannot overflow.
        var ratio = (logp - oldLogp).clamp(-20, 20).exp();
        var l1 = -advantages * ratio;
        var l2 = -advantages * ratio.clamp(1 - o.ClipLow, 1 + o.ClipHigh);
        var clipped = l1.maximum(l2);
        var perToken = clipped;
        Tensor dualHit = zeros([1]);
        if (o.DualClip > 0)
        {
            var l3 = -advantages * o.DualClip;
            var negative = advantages.lt(0);
            perToken = where(negative, clipped.minimum(l3), clipped);
            dualHit = negative.logical_and(clipped.gt(l3)).to(ScalarType.Float32);
        }
        Tensor tisHit = zeros([1]);
        if (o.TisCap > 0)
        {
            if (rolloutLogp is null) throw new ArgumentException("tis_cap > 0 needs the rollout engine's log-probs");
            // A constant per-token weight (no gradient through it), as in the truncated-IS correction of the
            // rollout/trainer mismatch: it scales the policy-gradient term only, not the KL or entropy terms.
            var isRatio = (oldLogp.detach() - rolloutLogp).clamp(-20, 20).exp();
            tisHit = isRatio.gt(o.TisCap).to(ScalarType.Float32);
            perToken = perToken * isRatio.clamp_max(o.TisCap);
        }
        Tensor? kl = null;
        if (o.KlCoefficient > 0)
        {
            if (refLogp is null) throw new ArgumentException("a KL coefficient > 0 needs reference log-probs");
            kl = Kl(logp, refLogp, o.Kl);
            perToken = perToken + kl * o.KlCoefficient;
        }
        if (o.EntropyCoefficient != 0 && entropy is not null) perToken = perToken - entropy * o.EntropyCoefficient;
        var masked = perToken * m;
        Tensor loss = o.Reduction switch
        {
            LossReduction.SequenceMean => (masked.sum(1) / m.sum(1).clamp_min(1)).sum() / Math.Max(1, normaliser),
            LossReduction.SequenceSumOverConstant => masked.sum() / (Math.Max(1, normaliser) * o.NormConstant),
            _ => masked.sum() / Math.Max(1, normaliser),
        };
        using var noGrad = no_grad();
        var stats = new PolicyLossStats(
            Tokens: m.sum().ToDouble(),
            ClippedTokens: (l2.gt(l1).to(ScalarType.Float32) * m).sum().ToDouble(),
            DualClippedTokens: (dualHit * m).sum().ToDouble(),
            KlSum: kl is null ? 0 : (kl.detach() * m).sum().ToDouble(),
            RatioSum: (ratio.detach() * m).sum().ToDouble(),
            EntropySum: entropy is null ? 0 : (entropy.detach() * m).sum().ToDouble(),
            TisTruncatedTokens: (tisHit * m).sum().ToDouble());
        return (loss.MoveToOuterDisposeScope(), stats);
    }

    /// <summary>Per-token KL estimators with d = logp − logp_ref: k1 = d, k2 = d²/2, k3 = exp(−d) + d − 1 (clamped as verl).</summary>
    public static Tensor Kl(Tensor logp, Tensor refLogp, KlKind kind)
    {
        using var scope = NewDisposeScope();
        var d = logp - refLogp;
        var result = kind switch
        {
            KlKind.K1 => d,
            KlKind.K2 => d.pow(2) * 0.5,
            _ => Low(d),
        };
        return result.MoveToOuterDisposeScope();

        static Tensor Low(Tensor d)
        {
            var u = (-d).clamp(-20, 20);
            return (u.exp() - u - 1).clamp(-10, 10);
        }
    }
}
