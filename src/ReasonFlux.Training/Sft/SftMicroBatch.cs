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
    private SftMicroBatch(Tensor inputIds, Tensor attentionMask, Tensor predictorPositions, Tensor targets, long tokens, long trainedTokens)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PredictorPositions = predictorPositions;
        Targets = targets;
        Tokens = tokens;
        TrainedTokens = trainedTokens;
    }

    /// <summary>[B, T] token ids, right-padded.</summary>
    public Tensor InputIds { get; }

    /// <summary>[B, T] 1 for real tokens.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>[N] flat indices into the [B·T] hidden states whose next token is a target.</summary>
    public Tensor PredictorPositions { get; }

    /// <summary>[N] the target token ids.</summary>
    public Tensor Targets { get; }

    /// <summary>Real (non-pad) tokens.</summary>
    public long Tokens { get; }

    /// <summary>N: tokens that carry a loss.</summary>
    public long TrainedTokens { get; }

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
