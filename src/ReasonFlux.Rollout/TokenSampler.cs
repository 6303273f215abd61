using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Rollout;

/// <summary>
/// Turns next-token logits into tokens and their log-probs, entirely on the logits' device: temperature, top-k
/// and top-p reshape the distribution, then inverse-CDF sampling with one uniform per row.
/// </summary>
public static class TokenSampler
{
    /// <param name="logits">[B, V] next-token logits (any float dtype).</param>
    /// <param name="uniforms">one number in (0, 1) per row, from that sequence's own stream.</param>
    /// <returns>Tokens [B] and the log-prob of each under the distribution it was drawn from.</returns>
    public static (long[] Tokens, float[] LogProbs) Sample(Tensor logits, SamplingParams p, float[] uniforms)
    {
        using var scope = NewDisposeScope();
        var x = logits.to(ScalarType.Float32);
        long b = x.size(0), v = x.size(1);
        Tensor tokens, logprobs;
        if (p.Temperature == 0)
        {
            var lp = x.log_softmax(-1);
            tokens = x.argmax(-1, keepdim: true);
            logprobs = lp.gather(-1, tokens);
        }
        else
        {
            x = x / p.Temperature;
            if (p.TopK > 0 && p.TopK < v)
            {
                var kth = x.topk(p.TopK, -1).values.narrow(-1, p.TopK - 1, 1);
                x = x.masked_fill(x.lt(kth), double.NegativeInfinity);
            }
            if (p.TopP < 1.0)
            {
                var (sorted, order) = x.sort(-1, descending: true);
                var probs = sorted.softmax(-1);
                // Drop a token when the tokens above it already reach top_p; the most likely token always stays.
                var before = probs.cumsum(-1) - probs;
                var kept = sorted.masked_fill(before.gt(p.TopP), double.NegativeInfinity);
                x = full([b, v], double.NegativeInfinity, ScalarType.Float32, x.device).scatter(-1, order, kept);
            }
            var lp = x.log_softmax(-1);
            var cdf = lp.exp().cumsum(-1);
            var u = tensor(uniforms, [b, 1], x.device) * cdf.narrow(-1, v - 1, 1);
            tokens = cdf.lt(u).sum(-1, keepdim: true).clamp_max(v - 1).to(ScalarType.Int64);
            logprobs = lp.gather(-1, tokens);
        }
        return (tokens.squeeze(-1).ToArray<long>(), logprobs.squeeze(-1).ToArray<float>());
    }
}
