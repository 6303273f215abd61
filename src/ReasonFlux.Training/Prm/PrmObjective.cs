using ReasonFlux.Models.Heads;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// The PRM loss of one micro-batch (reasonflux-prm.md §3.3, §9 item 4): per example
/// λ_step · (1/T) Σ_t ℓ(p_t, r_t) + λ_final · ℓ(p_final, r_final), where p is P(class 1) where a step is read (two-class
/// head: its separator, or as the model's <see cref="PrmReadout"/> says; the final one where the last segment is read) or the sigmoid output (scalar head, final term only), and ℓ is the
/// squared error (mse, the paper) or binary cross-entropy (bce, for 0/1 labels; soft targets allowed). T counts the
/// labelled steps; an example with none has no step term, one with no trajectory target no final term.
/// </summary>
public sealed class PrmObjective(PrmLossOptions options, int padTokenId, Device device)
{
    /// <summary>Sums over the micro-batch's examples: the weighted loss (a graph to backpropagate) and its two terms.</summary>
    public readonly record struct Sums(Tensor Loss, double StepLoss, double FinalLoss, long Tokens);

    /// <summary>
    /// Forward pass and loss sums for <paramref name="batch"/>; the caller divides by the global batch size before
    /// backward. Tensors belong to the caller's dispose scope.
    /// </summary>
    public Sums Compute(nn.Module model, IReadOnlyList<PrmTrainingExample> batch) => model switch
    {
        Qwen2ForProcessRewardModel prm => TwoClass(prm, batch),
        Qwen2ScalarRewardModel rm => Scalar(rm, batch),
        _ => throw new ArgumentException($"{model.GetType().Name} is not a reward model"),
    };

    private Sums TwoClass(Qwen2ForProcessRewardModel prm, IReadOnlyList<PrmTrainingExample> batch)
    {
        var (ids, mask, width) = Pad(batch);
        var hidden = prm.Model.forward(ids, mask);
        // Rows read: every step separator of every example, then each example's final position.
        var rows = new List<long>();
        // Segment starts, for a head that reads a step's lowest token likelihood (every example has them then, or none does).
        var starts = batch[0].StepStarts is null ? null : new List<long>();
        var targets = new List<float>();
        var weights = new List<float>();
        for (int b = 0; b < batch.Count; b++)
        {
            var e = batch[b];
            for (int i = 0; i < e.StepPositions.Length; i++)
            {
                rows.Add((long)b * width + e.StepPositions[i]);
                starts?.Add((long)b * width + e.StepStarts![i]);
                targets.Add(e.StepTargets[i]);
                weights.Add(1f / e.StepPositions.Length);
            }
        }
        int steps = rows.Count;
        for (int b = 0; b < batch.Count; b++)
        {
            if (batch[b].FinalTarget is not { } final) continue;
            rows.Add((long)b * width + batch[b].FinalPosition);
            starts?.Add((long)b * width + batch[b].FinalStart);
            targets.Add(final);
        }
        int finals = rows.Count - steps;
        var logp = prm.ScoreAt(hidden, ids, rows.ToArray(), starts?.ToArray()).to(ScalarType.Float32).log_softmax(-1);
        var perRow = RowLoss(logp.select(1, 1), logp.select(1, 0), tensor(targets.ToArray(), [targets.Count], device));
        var stepTerm = perRow.narrow(0, 0, steps).mul(tensor(weights.ToArray(), [steps], device)).sum();
        var finalTerm = perRow.narrow(0, steps, finals).sum();
        var loss = stepTerm.mul(options.LambdaStep).add(finalTerm.mul(options.LambdaFinal));
        return new Sums(loss, stepTerm.ToDouble(), finalTerm.ToDouble(), batch.Sum(e => (long)e.InputIds.Length));
    }

    private Sums Scalar(Qwen2ScalarRewardModel rm, IReadOnlyList<PrmTrainingExample> batch)
    {
        var (ids, mask, _) = Pad(batch);
        var p = rm.forward(ids, mask);
        var target = tensor(batch.Select(e => e.FinalTarget ?? throw new InvalidDataException($"{e.Location}: the scalar head needs a trajectory target")).ToArray(), [batch.Count], device);
        // The head returns sigmoid outputs; clamp before log so a saturated example gives a finite BCE.
        var clamped = p.clamp(1e-7, 1 - 1e-7);
        var finalTerm = RowLoss(clamped.log(), (1.0 - clamped).log(), target, p).sum();
        var loss = finalTerm.mul(options.LambdaFinal);
        return new Sums(loss, 0, finalTerm.ToDouble(), batch.Sum(e => (long)e.InputIds.Length));
    }

    /// <summary>Per-row loss from log P(class 1), log P(class 0) and the targets.</summary>
    private Tensor RowLoss(Tensor logP1, Tensor logP0, Tensor target, Tensor? p1 = null)
    {
        if (options.Loss == PrmLoss.Bce) return target.mul(logP1).add((1.0 - target).mul(logP0)).neg();
        var diff = (p1 ?? logP1.exp()).sub(target);
        return diff.mul(diff);
    }

    private (Tensor Ids, Tensor? Mask, int Width) Pad(IReadOnlyList<PrmTrainingExample> batch)
    {
        int width = batch.Max(e => e.InputIds.Length);
        var ids = new long[batch.Count * width];
        Array.Fill(ids, padTokenId);
        bool padded = batch.Any(e => e.InputIds.Length != width);
        var mask = padded ? new long[batch.Count * width] : null;
        for (int b = 0; b < batch.Count; b++)
        {
            var row = batch[b].InputIds;
            for (int t = 0; t < row.Length; t++) ids[b * width + t] = row[t];
            if (mask is not null) Array.Fill(mask, 1L, b * width, row.Length);
        }
        long[] shape = [batch.Count, width];
        return (tensor(ids, shape, device), mask is null ? null : tensor(mask, shape, device), width);
    }
}
