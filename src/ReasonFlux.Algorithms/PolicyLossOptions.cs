namespace ReasonFlux.Algorithms;

public enum LossReduction
{
    /// <summary>Masked token mean over each micro-batch (TRL "bnpo"): micro-batch size changes the weighting.</summary>
    TokenMeanPerMicroBatch,
    /// <summary>Per-sequence token mean, then mean over the global batch (original GRPO, "seq-mean-token-mean").</summary>
    SequenceMean,
    /// <summary>Sum over tokens divided by the token count of the whole accumulated batch (DAPO; verl "token-mean").</summary>
    GlobalTokenMean,
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
    public double EntropyCoefficient { get; init; }
    public LossReduction Reduction { get; init; } = LossReduction.GlobalTokenMean;
}
