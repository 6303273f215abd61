namespace ReasonFlux.Rollout;

/// <summary>Where the time of a Generate call went: prompt prefill versus token-by-token decoding.</summary>
public sealed record RolloutStats(double PrefillSeconds, long PrefillTokens, double DecodeSeconds, long DecodeTokens, int Batches)
{
    public double PrefillTokensPerSecond => PrefillSeconds > 0 ? PrefillTokens / PrefillSeconds : 0;
    public double DecodeTokensPerSecond => DecodeSeconds > 0 ? DecodeTokens / DecodeSeconds : 0;
}
