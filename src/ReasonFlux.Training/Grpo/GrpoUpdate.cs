using ReasonFlux.Algorithms;
using ReasonFlux.Models.Heads;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;
using F = ReasonFlux.Torch.torch.nn.functional;

namespace ReasonFlux.Training.Grpo;

/// <summary>
/// GRPO's second half ("compute loss"): per-token log-probs of the completions under the policy, the clipped
/// surrogate against the sampling policy, an optional KL to a frozen reference, gradient accumulation over
/// micro-batches, clipping and one AdamW step per global batch.
/// </summary>
public sealed class GrpoUpdate(Qwen2ForCausalLM policy, Qwen2ForCausalLM? reference, optim.AdamW optimizer, GrpoOptions options, int padTokenId)
{
    private readonly PolicyLossOptions _loss = new()
    {
        ClipLow = options.Algorithm.ClipEpsilonLow,
        ClipHigh = options.Algorithm.ClipEpsilonHigh,
        DualClip = options.Algorithm.DualClip,
        KlCoefficient = options.Algorithm.BetaKl,
        Kl = options.Algorithm.KlEstimator switch { KlEstimator.K1 => KlKind.K1, KlEstimator.K2 => KlKind.K2, _ => KlKind.K3 },
        EntropyCoefficient = options.Algorithm.EntropyCoef,
        Reduction = options.Algorithm.LossAggregation == LossAggregation.Sequence ? LossReduction.SequenceMean : LossReduction.GlobalTokenMean,
    };

    /// <summary>Runs every optimizer update of one GRPO step; <paramref name="learningRate"/> maps the update index to its rate.</summary>
    public IReadOnlyDictionary<string, double> Run(IReadOnlyList<GrpoSequence> sequences, Func<int, double> learningRate)
    {
        int micro = options.Training.MicroBatchSize;
        int global = (int)options.GlobalBatch;
        // The policy that sampled: with one update per step the current weights are it, so the ratio starts at 1
        // and no extra forward pass is needed; otherwise freeze its log-probs before the first update.
        bool singleUpdate = options.UpdatesPerStep == 1;
        var old = singleUpdate ? null : SamplingLogProbs(sequences, micro);

        double lossSum = 0, tokens = 0, clipped = 0, kl = 0, ratio = 0, gradNormSum = 0;
        int updates = 0;
        for (int epoch = 0; epoch < options.Training.PpoEpochs; epoch++)
            for (int start = 0; start < sequences.Count; start += global)
            {
                var chunk = Enumerable.Range(start, Math.Min(global, sequences.Count - start)).ToArray();
                double normaliser = _loss.Reduction == LossReduction.SequenceMean ? chunk.Length : chunk.Sum(i => (double)sequences[i].CompletionIds.Length);
                for (int m = 0; m < chunk.Length; m += micro)
                {
                    using var scope = NewDisposeScope();
                    var rows = chunk.Skip(m).Take(micro).ToArray();
                    var batch = rows.Select(i => sequences[i]).ToArray();
                    var (logp, mask, adv) = Forward(policy, batch);
                    var oldLogp = old is null ? logp.detach() : Pad(rows.Select(i => old[i]).ToArray(), logp.shape, logp.device);
                    Tensor? refLogp = null;
                    if (reference is not null && _loss.KlCoefficient > 0)
                        using (no_grad()) refLogp = Forward(reference, batch).LogProbs;
                    var (loss, stats) = PolicyLoss.Compute(logp, oldLogp, refLogp, adv, mask, _loss, normaliser);
                    loss.backward();
                    lossSum += loss.ToDouble();
                    tokens += stats.Tokens;
                    clipped += stats.ClippedTokens;
                    kl += stats.KlSum;
                    ratio += stats.RatioSum;
                }
                gradNormSum += nn.utils.clip_grad_norm_(optimizer.Parameters, options.Optimizer.MaxGradNorm > 0 ? options.Optimizer.MaxGradNorm : double.PositiveInfinity);
                optimizer.step(learningRate(updates));
                optimizer.zero_grad();
                updates++;
            }
        return new Dictionary<string, double>
        {
            ["loss"] = lossSum / Math.Max(1, updates),
            ["policy_loss"] = lossSum / Math.Max(1, updates),
            ["kl"] = kl / Math.Max(1, tokens),
            ["clip_ratio"] = clipped / Math.Max(1, tokens),
            ["ratio_mean"] = ratio / Math.Max(1, tokens),
            ["grad_norm"] = gradNormSum / Math.Max(1, updates),
            ["updates"] = updates,
        };
    }

    /// <summary>
    /// Log-probs of each completion token [n, L−1] (position k predicts token k+1), the completion mask and the
    /// advantages in the same layout. Rows are prompt + completion, right-padded.
    /// </summary>
    private (Tensor LogProbs, Tensor Mask, Tensor Advantages) Forward(Qwen2ForCausalLM model, GrpoSequence[] batch)
    {
        int n = batch.Length;
        int length = batch.Max(s => s.PromptIds.Length + s.CompletionIds.Length);
        var ids = new long[n * length];
        var attention = new long[n * length];
        var mask = new float[n * (length - 1)];
        var adv = new float[n * (length - 1)];
        for (int r = 0; r < n; r++)
        {
            var s = batch[r];
            int p = s.PromptIds.Length, c = s.CompletionIds.Length;
            for (int t = 0; t < length; t++)
            {
                ids[r * length + t] = t < p ? s.PromptIds[t] : t < p + c ? s.CompletionIds[t - p] : padTokenId;
                attention[r * length + t] = t < p + c ? 1 : 0;
            }
            for (int k = 0; k < c; k++)
            {
                mask[r * (length - 1) + p - 1 + k] = 1;
                adv[r * (length - 1) + p - 1 + k] = s.Advantages[k];
            }
        }
        var device = model.Model.Device;
        var idsT = tensor(ids, [n, length], device);
        var logits = model.forward(idsT, tensor(attention, [n, length], device)).narrow(1, 0, length - 1);
        // Log-probs under the distribution the sampler drew from (TRL divides by the temperature too).
        if (options.Rollout.Temperature > 0 && options.Rollout.Temperature != 1) logits = logits / options.Rollout.Temperature;
        var logp = F.token_logprobs(logits, idsT.narrow(1, 1, length - 1));
        return (logp, tensor(mask, [n, length - 1], device), tensor(adv, [n, length - 1], device));
    }

    /// <summary>Per-sequence log-probs under the current (sampling) weights, batched as the update will be.</summary>
    private float[][] SamplingLogProbs(IReadOnlyList<GrpoSequence> sequences, int micro)
    {
        var result = new float[sequences.Count][];
        using var noGrad = no_grad();
        for (int start = 0; start < sequences.Count; start += micro)
        {
            using var scope = NewDisposeScope();
            var rows = Enumerable.Range(start, Math.Min(micro, sequences.Count - start)).ToArray();
            var logp = Forward(policy, rows.Select(i => sequences[i]).ToArray()).LogProbs;
            int width = (int)logp.size(1);
            var flat = logp.ToFloatArray();
            for (int r = 0; r < rows.Length; r++) result[rows[r]] = flat.AsSpan(r * width, width).ToArray();
        }
        return result;
    }

    private static Tensor Pad(float[][] rows, long[] shape, Device device)
    {
        var flat = new float[shape[0] * shape[1]];
        for (int r = 0; r < rows.Length; r++) Array.Copy(rows[r], 0, flat, r * shape[1], Math.Min(rows[r].Length, (int)shape[1]));
        return tensor(flat, shape, device);
    }
}
