using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Sft;

/// <summary>What one optimizer step did.</summary>
/// <param name="Loss">Mean token cross-entropy over the trained tokens of the whole global batch.</param>
/// <param name="GradNorm">Global gradient L2 norm before clipping.</param>
/// <param name="TrainedTokens">Tokens that carried a loss.</param>
/// <param name="Tokens">Real (non-pad) tokens processed.</param>
/// <param name="Skipped">The loss or gradient norm was not finite: no weight changed (<see cref="NonFiniteStepGuard"/>).</param>
public readonly record struct SftStepResult(double Loss, double GradNorm, long TrainedTokens, long Tokens, bool Skipped = false);

/// <summary>
/// The SFT update: cross-entropy on next-token targets, accumulated over micro-batches and normalised by the
/// trained-token count of the whole global batch (so a step's gradient does not depend on how the batch is split
/// into micro-batches, unlike averaging per micro-batch), then gradient clipping and an AdamW step. With several
/// ranks (<see cref="DataParallel"/>) each runs its share of the global batch and the gradients are summed over
/// ranks before clipping, so the step equals the one-process step over the same global batch.
/// </summary>
public sealed class SftTrainer : IDisposable
{
    private readonly LanguageModel _policy;
    private readonly Tensor[] _parameters;
    private readonly bool _completionOnly;
    private readonly double _maxGradNorm;
    private readonly DataParallel _dataParallel;

    public SftTrainer(LanguageModel policy, OptimizerOptions optimizer, bool completionOnlyLoss, NonFiniteStepGuard? guard = null, DataParallel? dataParallel = null)
    {
        _dataParallel = dataParallel ?? new DataParallel(Runs.Distributed.DistributedContext.Single);
        Guard = guard ?? new NonFiniteStepGuard(new TrainingOptions().MaxConsecutiveSkips);
        _policy = policy;
        _parameters = policy.Model.parameters().ToArray();
        _completionOnly = completionOnlyLoss;
        _maxGradNorm = optimizer.MaxGradNorm;
        // Same parameter order as named_parameters(): TrainerCheckpoint maps optimizer state by that order.
        // fp32 master weights and moments when the policy computes in bf16/fp16 (optimizer.master_dtype).
        Optimizer = ModelResolver.CreateOptimizer(_parameters, policy.Model.Model.DType, optimizer, _dataParallel);
    }

    public StageOptimizer Optimizer { get; }

    /// <summary>data.packing: pack each step's examples into rows of at most this many tokens (data.max_seq_len); null: one example per row.</summary>
    public int? PackedRowLength { get; init; }

    /// <summary>Skips non-finite steps and counts them.</summary>
    public NonFiniteStepGuard Guard { get; }

    /// <summary>
    /// One optimizer step over the global batch <paramref name="globalBatch"/>: this rank's share of it, split into
    /// micro-batches of <paramref name="microBatchSize"/> sequences, or by <paramref name="maxTokensPerMicroBatch"/>
    /// padded tokens (longest first) when given. Every rank passes the same global batch.
    /// </summary>
    public SftStepResult Step(IReadOnlyList<SftExample> globalBatch, int microBatchSize, double learningRate, int? maxTokensPerMicroBatch = null)
    {
        if (globalBatch.Count == 0) throw new ArgumentException("empty batch", nameof(globalBatch));
        // The normaliser is the whole global batch's trained-token count: every rank knows the global batch.
        long trained = globalBatch.Sum(e => (long)e.TrainedTokens(_completionOnly));
        var batch = _dataParallel.Shard(globalBatch);
        if (trained == 0) throw new InvalidOperationException("the batch has no token to train on");
        var device = _policy.Model.Model.Device;
        Optimizer.ZeroGrad();
        double lossSum = 0;
        long tokens = 0;
        foreach (var pass in Passes(batch, microBatchSize, maxTokensPerMicroBatch))
        {
            using var scope = NewDisposeScope();
            var micro = Build(pass, device);
            tokens += micro.Tokens;
            if (micro.TrainedTokens == 0) continue;
            var hidden = micro.Hidden(_policy.Model.Model);
            var rows = hidden.reshape(-1, hidden.size(-1)).index_select(0, micro.PredictorPositions);
            // Cross-entropy is -log p of the targets, through the LM head in chunks (fp32), never [N, V] logits at once.
            var summed = _policy.Model.TokenLogProbs(rows, micro.Targets).sum().neg();
            summed.div(trained).backward();
            lossSum += summed.ToDouble();
        }
        Optimizer.ReduceGradients();
        if (_dataParallel.WorldSize > 1)
        {
            var sums = _dataParallel.Distributed.Sum(lossSum, tokens);
            (lossSum, tokens) = (sums[0], (long)sums[1]);
        }
        // Returns the norm before clipping; a bound of 0 measures without clipping (max_grad_norm: 0 disables it).
        var (norm, stepped) = Guard.Step(Optimizer, _parameters, lossSum, _maxGradNorm, learningRate);
        return new SftStepResult(lossSum / trained, norm, trained, tokens, Skipped: !stepped);
    }

    /// <summary>
    /// Mean token cross-entropy over every trained token of <paramref name="examples"/> (the held-out set), without
    /// autograd and without touching the weights, batched as <see cref="Step"/> batches.
    /// </summary>
    public double EvalLoss(IReadOnlyList<SftExample> examples, int microBatchSize, int? maxTokensPerMicroBatch = null)
    {
        if (examples.Count == 0) throw new ArgumentException("empty evaluation set", nameof(examples));
        using var noGrad = no_grad();
        var device = _policy.Model.Model.Device;
        double lossSum = 0;
        long trained = 0;
        foreach (var pass in Passes(examples, microBatchSize, maxTokensPerMicroBatch))
        {
            using var scope = NewDisposeScope();
            var micro = Build(pass, device);
            if (micro.TrainedTokens == 0) continue;
            var hidden = micro.Hidden(_policy.Model.Model);
            var rows = hidden.reshape(-1, hidden.size(-1)).index_select(0, micro.PredictorPositions);
            lossSum += _policy.Model.TokenLogProbs(rows, micro.Targets).sum().neg().ToDouble();
            trained += micro.TrainedTokens;
        }
        if (trained == 0) throw new InvalidOperationException("the evaluation set has no token to score");
        return lossSum / trained;
    }

    /// <summary>
    /// The forward/backward passes over <paramref name="examples"/>, each a list of rows, each row a list of
    /// examples: one example per row, or with <see cref="PackedRowLength"/> examples packed into rows first. Passes
    /// take micro_batch_size rows, or rows up to max_tokens_per_micro_batch padded tokens.
    /// </summary>
    private List<List<IReadOnlyList<SftExample>>> Passes(IReadOnlyList<SftExample> examples, int microBatchSize, int? maxTokensPerMicroBatch)
    {
        var lengths = examples.Select(e => e.InputIds.Length).ToArray();
        IReadOnlyList<int[]> rows = PackedRowLength is { } rowLength
            ? SftPacking.Pack(lengths, rowLength)
            : Enumerable.Range(0, examples.Count).Select(i => new[] { i }).ToList();
        var rowLengths = rows.Select(r => r.Sum(i => lengths[i])).ToArray();
        return MicroBatchPlan.Split(rowLengths, microBatchSize, maxTokensPerMicroBatch)
            .Select(pass => pass.Select(k => (IReadOnlyList<SftExample>)rows[k].Select(i => examples[i]).ToList()).ToList())
            .ToList();
    }

    private SftMicroBatch Build(List<IReadOnlyList<SftExample>> rows, Device device) => PackedRowLength is null
        ? SftMicroBatch.Create(rows.Select(r => r[0]).ToList(), _policy.PadTokenId, _completionOnly, device)
        : SftMicroBatch.CreatePacked(rows, _policy.PadTokenId, _completionOnly, device);

    public void Dispose() => Optimizer.Dispose();
}
