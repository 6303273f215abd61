using ReasonFlux.Algorithms;
using ReasonFlux.Models.Heads;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Grpo;

/// <summary>
/// GRPO's second half ("compute loss"): per-token log-probs (and entropies) of the completions under the policy,
/// the clipped surrogate against the sampling policy, an optional KL to a frozen reference, an entropy bonus,
/// gradient accumulation over micro-batches, clipping and one AdamW step per global batch. With several ranks
/// (<see cref="DataParallel"/>) each holds its own prompts' sequences; an update takes micro_batch_size ×
/// grad_accumulation of them on every rank, its loss normaliser (tokens or sequences) is summed over the ranks
/// before backward, and the gradients are summed over the ranks before clipping.
/// </summary>
public sealed class GrpoUpdate(Qwen2ForCausalLM policy, Qwen2ForCausalLM? reference, StageOptimizer optimizer, GrpoOptions options, int padTokenId, NonFiniteStepGuard guard,
    DataParallel? dataParallel = null)
{
    private readonly DataParallel _dataParallel = dataParallel ?? new DataParallel(Runs.Distributed.DistributedContext.Single);

    /// <summary>Largest |log π_rollout − log π_trainer| over the step's completion tokens, before any update.</summary>
    public const string LogProbDiffMetric = "rollout/logprob_abs_diff_max";

    /// <summary>Forward/backward passes of the step (micro-batches, by count or by training.max_tokens_per_micro_batch).</summary>
    public const string MicroBatchesMetric = "micro_batches";

    /// <summary>Share of completion tokens whose truncated-IS weight hit algorithm.tis_cap.</summary>
    public const string TisTruncatedMetric = "tis/truncated_fraction";

    private readonly PolicyLossOptions _loss = new()
    {
        ClipLow = options.Algorithm.ClipEpsilonLow,
        ClipHigh = options.Algorithm.ClipEpsilonHigh,
        DualClip = options.Algorithm.DualClip,
        KlCoefficient = options.Algorithm.BetaKl,
        Kl = options.Algorithm.KlEstimator switch { KlEstimator.K1 => KlKind.K1, KlEstimator.K2 => KlKind.K2, _ => KlKind.K3 },
        EntropyCoefficient = options.Algorithm.EntropyCoef,
        Reduction = options.Algorithm.LossAggregation switch
        {
            LossAggregation.Sequence => LossReduction.SequenceMean,
            LossAggregation.SeqSumNorm => LossReduction.SequenceSumOverConstant,
            _ => LossReduction.TokenMean,
        },
        NormConstant = options.LossNormConstant,
        TisCap = options.Algorithm.TisCap,
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
        double logprobDiffMax = old is null ? 0 : MaxRolloutDiff(sequences, old);

        double lossSum = 0, tokens = 0, clipped = 0, kl = 0, ratio = 0, entropy = 0, tisTruncated = 0, gradNormSum = 0;
        int updates = 0, passes = 0;
        for (int epoch = 0; epoch < options.Training.PpoEpochs && !guard.Exhausted; epoch++)
            for (int start = 0; start < sequences.Count && !guard.Exhausted; start += global)
            {
                double updateLoss = 0;
                var chunk = Enumerable.Range(start, Math.Min(global, sequences.Count - start)).ToArray();
                // Masked-out sequences (overlong filter) neither carry loss nor count in the normaliser.
                double normaliser = _loss.Reduction == LossReduction.TokenMean
                    ? chunk.Where(i => sequences[i].InLoss).Sum(i => (double)sequences[i].CompletionIds.Length)
                    : chunk.Count(i => sequences[i].InLoss);
                // The update spans every rank's chunk: normalise by the global count.
                if (_dataParallel.WorldSize > 1) normaliser = _dataParallel.Distributed.Sum(normaliser)[0];
                foreach (var pass in Passes(sequences, chunk, micro))
                {
                    using var scope = NewDisposeScope();
                    var rows = pass.Select(k => chunk[k]).ToArray();
                    passes++;
                    var batch = rows.Select(i => sequences[i]).ToArray();
                    var f = Forward(policy, batch, entropy: true);
                    var oldLogp = old is null ? f.LogProbs.detach() : Pad(rows.Select(i => old[i]).ToArray(), f.LogProbs.shape, f.LogProbs.device);
                    if (old is null && epoch == 0)
                        using (no_grad())
                            logprobDiffMax = Math.Max(logprobDiffMax, ((f.LogProbs.detach() - f.RolloutLogProbs).abs() * f.Mask).max().ToDouble());
                    Tensor? refLogp = null;
                    if (reference is not null && _loss.KlCoefficient > 0)
                        using (no_grad()) refLogp = Forward(reference, batch, entropy: false).LogProbs.to(f.LogProbs.device);
                    var (loss, stats) = PolicyLoss.Compute(f.LogProbs, oldLogp, refLogp, f.Advantages, f.LossMask, _loss, normaliser, f.Entropy, f.RolloutLogProbs);
                    loss.backward();
                    double lossValue = loss.ToDouble();
                    lossSum += lossValue;
                    updateLoss += lossValue;
                    tokens += stats.Tokens;
                    clipped += stats.ClippedTokens;
                    kl += stats.KlSum;
                    ratio += stats.RatioSum;
                    entropy += stats.EntropySum;
                    tisTruncated += stats.TisTruncatedTokens;
                }
                optimizer.ReduceGradients();
                if (_dataParallel.WorldSize > 1) updateLoss = _dataParallel.Distributed.Sum(updateLoss)[0];
                var (norm, _) = guard.Step(optimizer, optimizer.Parameters, updateLoss, options.Optimizer.MaxGradNorm > 0 ? options.Optimizer.MaxGradNorm : double.PositiveInfinity, learningRate(updates));
                gradNormSum += norm;
                optimizer.ZeroGrad();
                updates++;
            }
        if (_dataParallel.WorldSize > 1)
        {
            // Each rank's updateLoss was summed into the guard; the per-rank pass losses add up to the global one.
            var all = _dataParallel.Distributed.Sum(lossSum, tokens, clipped, kl, ratio, entropy, tisTruncated, passes);
            (lossSum, tokens, clipped, kl, ratio, entropy, tisTruncated, passes) = (all[0], all[1], all[2], all[3], all[4], all[5], all[6], (int)all[7]);
            logprobDiffMax = _dataParallel.Distributed.Max(logprobDiffMax);
        }
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Loss] = lossSum / Math.Max(1, updates),
            [MetricNames.PolicyLoss] = lossSum / Math.Max(1, updates),
            [MetricNames.Kl] = kl / Math.Max(1, tokens),
            [MetricNames.ClipRatio] = clipped / Math.Max(1, tokens),
            [MetricNames.Entropy] = entropy / Math.Max(1, tokens),
            ["ratio_mean"] = ratio / Math.Max(1, tokens),
            [MetricNames.GradNorm] = gradNormSum / Math.Max(1, updates),
            [LogProbDiffMetric] = logprobDiffMax,
            ["updates"] = updates,
            [MicroBatchesMetric] = passes,
        };
        if (_loss.TisCap > 0) metrics[TisTruncatedMetric] = tisTruncated / Math.Max(1, tokens);
        return metrics;
    }

    /// <summary>
    /// The tensors of one micro-batch in the [n, L−1] layout (position k predicts token k+1): log-probs of the
    /// completion tokens, the rollout engine's log-probs, the completion mask, the loss mask (completion tokens of
    /// sequences in the loss), the advantages and, when asked for, per-token entropies.
    /// </summary>
    private sealed record MicroBatch(Tensor LogProbs, Tensor RolloutLogProbs, Tensor Mask, Tensor LossMask, Tensor Advantages, Tensor? Entropy);

    /// <summary>Rows are prompt + completion, right-padded.</summary>
    private MicroBatch Forward(Qwen2ForCausalLM model, GrpoSequence[] batch, bool entropy)
    {
        int n = batch.Length;
        int length = batch.Max(s => s.PromptIds.Length + s.CompletionIds.Length);
        var ids = new long[n * length];
        var attention = new long[n * length];
        var mask = new float[n * (length - 1)];
        var lossMask = new float[n * (length - 1)];
        var adv = new float[n * (length - 1)];
        var rollout = new float[n * (length - 1)];
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
                int at = r * (length - 1) + p - 1 + k;
                mask[at] = 1;
                lossMask[at] = s.InLoss ? 1 : 0;
                adv[at] = s.Advantages[k];
                rollout[at] = k < s.RolloutLogProbs.Length ? s.RolloutLogProbs[k] : 0;
            }
        }
        var device = model.Model.Device;
        var idsT = tensor(ids, [n, length], device);
        var hidden = model.Model.forward(idsT, tensor(attention, [n, length], device)).narrow(1, 0, length - 1);
        // Log-probs under the distribution the sampler drew from (TRL divides by the temperature too), through the
        // LM head in chunks of positions: never [n, L, V] logits.
        double temperature = options.Rollout.Temperature > 0 ? options.Rollout.Temperature : 1.0;
        var targets = idsT.narrow(1, 1, length - 1);
        Tensor logp;
        Tensor? h = null;
        if (entropy)
        {
            (logp, h) = model.TokenLogProbsWithEntropy(hidden, targets, temperature);
            // With a bonus the entropy needs its gradient; without one it is only a metric.
            if (_loss.EntropyCoefficient <= 0) h = h.detach();
        }
        else logp = model.TokenLogProbs(hidden, targets, temperature);
        var shape = new long[] { n, length - 1 };
        return new MicroBatch(logp, tensor(rollout, shape, device), tensor(mask, shape, device), tensor(lossMask, shape, device), tensor(adv, shape, device), h);
    }

    /// <summary>Per-sequence log-probs under the current (sampling) weights, batched as the update will be.</summary>
    private float[][] SamplingLogProbs(IReadOnlyList<GrpoSequence> sequences, int micro)
    {
        var result = new float[sequences.Count][];
        using var noGrad = no_grad();
        foreach (var rows in Passes(sequences, Enumerable.Range(0, sequences.Count).ToArray(), micro))
        {
            using var scope = NewDisposeScope();
            var logp = Forward(policy, rows.Select(i => sequences[i]).ToArray(), entropy: false).LogProbs;
            int width = (int)logp.size(1);
            var flat = logp.ToFloatArray();
            for (int r = 0; r < rows.Length; r++) result[rows[r]] = flat.AsSpan(r * width, width).ToArray();
        }
        return result;
    }

    /// <summary>
    /// Forward/backward passes over <paramref name="rows"/> (indices into <paramref name="sequences"/>), as positions
    /// into <paramref name="rows"/>: micro_batch_size sequences each, or by training.max_tokens_per_micro_batch padded
    /// tokens, longest first. The loss normaliser covers the whole update, so the split never changes the gradient.
    /// </summary>
    private IReadOnlyList<int[]> Passes(IReadOnlyList<GrpoSequence> sequences, int[] rows, int micro) =>
        MicroBatchPlan.Split(rows.Select(i => sequences[i].PromptIds.Length + sequences[i].CompletionIds.Length).ToArray(), micro, options.Training.MaxTokensPerMicroBatch);

    /// <summary>max |old − rollout| over completion tokens; old rows are in the padded [L−1] layout.</summary>
    private static double MaxRolloutDiff(IReadOnlyList<GrpoSequence> sequences, float[][] old)
    {
        double max = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i];
            int offset = s.PromptIds.Length - 1;
            for (int k = 0; k < Math.Min(s.CompletionIds.Length, s.RolloutLogProbs.Length); k++)
                max = Math.Max(max, Math.Abs(old[i][offset + k] - s.RolloutLogProbs[k]));
        }
        return max;
    }

    private static Tensor Pad(float[][] rows, long[] shape, Device device)
    {
        var flat = new float[shape[0] * shape[1]];
        for (int r = 0; r < rows.Length; r++) Array.Copy(rows[r], 0, flat, r * shape[1], Math.Min(rows[r].Length, (int)shape[1]));
        return tensor(flat, shape, device);
    }
}
