namespace ReasonFlux.Algorithms;

/// <summary>How the masked per-token loss matrix of one optimizer update becomes a scalar.</summary>
public enum LossReduction
{
    /// <summary>Σ_i Σ_t l_it / Σ_i |o_i|: token mean over the whole accumulated batch (DAPO; verl "token-mean").</summary>
    TokenMean,
    /// <summary>(1/N) Σ_i (Σ_t l_it / |o_i|): per-sequence token mean, then the mean over sequences (original GRPO).</summary>
    SequenceMean,
    /// <summary>(1/N) Σ_i (Σ_t l_it / C): each sequence's token sum over a constant C (Dr. GRPO), then the mean over sequences.</summary>
    SequenceSumOverConstant,
}

public enum KlKind { K1, K2, K3 }

/// <summary>The knobs of the clipped policy-gradient loss.</summary>
public sealed record PolicyLossOptions
{
    public double ClipLow { get; init; } = 0.2;
    public double ClipHigh { get; init; } = 0.2;
    /// <summary>verl's dual clip for negative advantages (clip_ratio_c); 0 turns it off.</summary>
    public double DualClip { get; init; } = 3.0;
    public double KlCoefficient { get; init; }
    public KlKind Kl { get; init; } = KlKind.K3;
    /// <summary>Weight of the entropy bonus: the loss gets −coef · H per token.</summary>
    public double EntropyCoefficient { get; init; }
    public LossReduction Reduction { get; init; } = LossReduction.TokenMean;
    /// <summary>C of <see cref="LossReduction.SequenceSumOverConstant"/> (Dr. GRPO uses the generation budget).</summary>
    public double NormConstant { get; init; } = 1;
    /// <summary>
    /// Truncated importance sampling: the policy-gradient term of each token is weighted by
    /// min(π_old/π_rollout, cap), correcting for the rollout engine's numerics differing from the trainer's; 0: off.
    /// </summary>
    public double TisCap { get; init; }
}
