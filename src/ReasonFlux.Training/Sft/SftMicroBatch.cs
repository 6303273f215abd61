using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Sft;

/// <summary>
/// Right-padded tensors for one forward/backward pass. Instead of a [B, T] label tensor full of -100, it holds
/// the flat positions (b·T + t − 1) whose hidden state predicts a target and the targets themselves, so only
/// those rows are projected to vocabulary logits: with completion-only loss the prompt never costs a
/// [T, vocab] projection.
/// </summary>
public sealed class SftMicroBatch
{
    private SftMicroBatch(Tensor inputIds, Tensor? attentionMask, Tensor predictorPositions, Tensor targets, long tokens, long trainedTokens,
        Tensor? positionIds = null, Tensor? segmentIds = null)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PositionIds = positionIds;
        SegmentIds = segmentIds;
        PredictorPositions = predictorPositions;
        Targets = targets;
        Tokens = tokens;
        TrainedTokens = trainedTokens;
    }

    /// <summary>[B, T] token ids, right-padded.</summary>
    public Tensor InputIds { get; }

    /// <summary>[B, T] 1 for real tokens; null for packed rows (<see cref="SegmentIds"/> masks them).</summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Packed rows: [B, T] position ids, restarting at 0 for each example.</summary>
    public Tensor? PositionIds { get; }

    /// <summary>Packed rows: [B, T] the example of each position within its row, -1 for padding.</summary>
    public Tensor? SegmentIds { get; }

    /// <summary>The hidden states [B, T, H] of these rows; in packed rows no example attends to another.</summary>
    public Tensor Hidden(Models.Qwen2.Qwen2Model model) => SegmentIds is null
        ? model.forward(InputIds, AttentionMask)
        : model.forward(InputIds, positionIds: PositionIds, segmentIds: SegmentIds);

    /// <summary>[N] flat indices into the [B·T] hidden states whose next token is a target.</summary>
    public Tensor PredictorPositions { get; }

    /// <summary>[N] the target token ids.</summary>
    public Tensor Targets { get; }

    /// <summary>Real (non-pad) tokens.</summary>
    public long Tokens { get; }

    /// <summary>N: tokens that carry a loss.</summary>
    public long TrainedTokens { get; }

    /// <summary>
    /// Packed rows (data.packing): each row holds its examples back to back, right-padded to the longest row. An
    /// example's first token is never a target, so no target is predicted across a boundary.
    /// </summary>
    public static SftMicroBatch CreatePacked(IReadOnlyList<IReadOnlyList<SftExample>> rows, int padTokenId, bool completionOnly, Device device)
    {
        if (rows.Count == 0 || rows.Any(r => r.Count == 0)) throw new ArgumentException("a packed micro-batch needs rows of at least one example", nameof(rows));
        int b = rows.Count, t = rows.Max(r => r.Sum(e => e.InputIds.Length));
        var ids = new long[b * t];
        var positionIds = new long[b * t];
        var segments = new long[b * t];
        Array.Fill(ids, padTokenId);
        Array.Fill(segments, -1);
        var positions = new List<long>();
        var targets = new List<long>();
        long tokens = 0;
        for (int r = 0; r < b; r++)
        {
            int offset = 0;
            for (int k = 0; k < rows[r].Count; k++)
            {
                var e = rows[r][k];
                for (int i = 0; i < e.InputIds.Length; i++)
                {
                    int at = r * t + offset + i;
                    ids[at] = e.InputIds[i];
                    positionIds[at] = i;
                    segments[at] = k;
                    if (e.IsTarget(i, completionOnly))
                    {
                        positions.Add(at - 1);
                        targets.Add(e.InputIds[i]);
                    }
                }
                offset += e.InputIds.Length;
                tokens += e.InputIds.Length;
            }
        }
        return new SftMicroBatch(tensor(ids, [b, t], device), null, tensor(positions.ToArray(), [positions.Count], device),
            tensor(targets.ToArray(), [targets.Count], device), tokens, targets.Count, tensor(positionIds, [b, t], device), tensor(segments, [b, t], device));
    }

    /// <summary>Builds the tensors on <paramref name="device"/> (in the current dispose scope).</summary>
    public static SftMicroBatch Create(IReadOnlyList<SftExample> examples, int padTokenId, bool completionOnly, Device device)
    {
        if (examples.Count == 0) throw new ArgumentException("a micro-batch needs at least one example", nameof(examples));
        int b = examples.Count, t = examples.Max(e => e.InputIds.Length);
        var ids = new long[b * t];
        var mask = new long[b * t];
        var positions = new List<long>();
        var targets = new List<long>();
        long tokens = 0;
        for (int r = 0; r < b; r++)
        {
            var seq = examples[r].InputIds;
            tokens += seq.Length;
            for (int i = 0; i < t; i++)
            {
                ids[r * t + i] = i < seq.Length ? seq[i] : padTokenId;
                mask[r * t + i] = i < seq.Length ? 1 : 0;
                if (examples[r].IsTarget(i, completionOnly))
                {
                    positions.Add((long)r * t + i - 1);
                    targets.Add(seq[i]);
                }
            }
        }
        return new SftMicroBatch(tensor(ids, [b, t], device), tensor(mask, [b, t], device),
            tensor(positions.ToArray(), [positions.Count], device), tensor(targets.ToArray(), [targets.Count], device), tokens, targets.Count);
    }
}
