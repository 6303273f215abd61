using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Sft;

/// <summary>
/// Runs a <c>kind: sft</c> stage: supervised fine-tuning of a policy on prompt/completion (or chat) data
/// (<see cref="SftDataset"/>), with AdamW, the recipe's learning-rate schedule, gradient accumulation and
/// clipping (<see cref="SftTrainer"/>). Checkpoints hold the model, optimizer moments, RNG state, the step and the
/// data cursor, so a run resumed with <c>--resume auto</c> ends with the same weights as an uninterrupted one.
/// The trained model is written to the stage's output folder in the model's dtype.
/// </summary>
public sealed class SftRunner : StageRunner<SftOptions>
{
    /// <summary>Metric: tokens that carried a loss in the step.</summary>
    public const string TrainedTokensMetric = "tokens";

    /// <summary>Metric: mean token loss on data.eval.</summary>
    public const string EvalLossMetric = "eval_loss";

    public override StageKind Kind => StageKind.Sft;

    public override bool RunsDataParallel => true;

    /// <summary>Called after each step is reported and before the interrupt flag is polled (embedding, tests).</summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>Fault injection for tests: runs on the parameters after backward, before the guarded optimizer step.</summary>
    public Action<IReadOnlyList<Tensor>>? GradientFault { get; init; }

    protected override StageOutcome Run(SftOptions options, StageContext context)
    {
        var log = context.Log;
        var training = options.Training;
        var workDirectory = context.Folder.Path;
        var dataParallel = new DataParallel(context.Distributed);
        var device = ModelResolver.DeviceOf(options.Model, context.Distributed.LocalRank);
        // A built-in model is written into the stage folder once, by rank 0, before the others read it.
        context.Distributed.WriterFirst(() => ModelResolver.Materialize(options.Model.Path, workDirectory, training.Seed));
        using var policy = context.ResumeFrom is { } from
            ? TrainerCheckpoint.LoadPolicy(from.Path, options.Model, workDirectory, training.Seed, device)
            : ModelResolver.LoadPolicy(options.Model, workDirectory, training.Seed, device);
        if (context.ResumeFrom is null) ModelResolver.WarnUnusedTensors(policy, log);
        policy.Model.Model.GradientCheckpointing = options.Model.GradientCheckpointing;

        var data = SftDataset.Load(options.Data.Train, options.Data, policy.Tokenizer, policy.ChatTemplate, SftDataset.EndOfTurnTokenId(policy));
        int world = context.Distributed.WorldSize;
        long globalBatch = training.GlobalBatch * world;
        long totalSteps = TotalSteps(training, data.Count, world);
        log.Information("sft: {Examples} examples from {Path}, {Steps} steps of {Batch} sequences ({Micro} × {Accumulation} × {World} ranks), end token {EndToken}, {Device} {DType}",
            data.Count, data.Path, totalSteps, globalBatch, training.MicroBatchSize, training.GradAccumulation, world,
            policy.Tokenizer.IdToToken(data.EndTokenId) ?? data.EndTokenId.ToString(), policy.Model.Model.Device, policy.Model.Model.DType);
        if (data.TruncatedPrompts > 0)
            log.Information("max_seq_len {MaxSeqLen}: {Count} prompts were cut from the left", options.Data.MaxSeqLen, data.TruncatedPrompts);
        if (data.TruncatedCompletions > 0)
            log.Warning("max_seq_len {MaxSeqLen}: {Count} of {Total} completions were cut from the right (the model never sees their end)",
                options.Data.MaxSeqLen, data.TruncatedCompletions, data.Count);

        var held = options.Data.Eval is { } evalPath
            ? SftDataset.Load(evalPath, options.Data, policy.Tokenizer, policy.ChatTemplate, data.EndTokenId)
            : null;
        if (held is not null) log.Information("sft: {Examples} held-out examples from {Path} for eval_loss", held.Count, held.Path);

        var cursor = new DataCursor(data.Count, training.Seed, options.Data.Shuffle);
        using var trainer = new SftTrainer(policy, options.Optimizer, options.Data.CompletionOnlyLoss,
            new NonFiniteStepGuard(training.MaxConsecutiveSkips, GradientFault), dataParallel)
        {
            PackedRowLength = options.Data.Packing ? options.Data.MaxSeqLen : null,
        };
        if (context.ResumeFrom is { } checkpoint)
            RestoreState(checkpoint, policy, trainer, cursor, data.Count, log);
        else
            manual_seed(training.Seed);
        dataParallel.SynchronizeWeights(trainer.Optimizer);
        if (trainer.Optimizer.IsSharded) log.Information("{Shard}", trainer.Optimizer.DescribeShard());

        context.Progress.Start(options.Name, totalSteps, context.FirstStep);
        double EvalLoss() => trainer.EvalLoss(held!.Examples, training.MicroBatchSize, training.MaxTokensPerMicroBatch);
        // Step 0: the curve starts from the model before any update (not repeated on resume).
        if (held is not null && context.FirstStep == 1)
            context.Metrics.Log(0, new Dictionary<string, double> { [EvalLossMetric] = EvalLoss() });
        for (long step = context.FirstStep; step <= totalSteps; step++)
        {
            var watch = Stopwatch.StartNew();
            // Every rank draws the same global batch; the trainer keeps its share.
            var batch = cursor.Take(checked((int)globalBatch)).Select(i => data.Examples[i]).ToList();
            double lr = LearningRateSchedule.At(options.Optimizer, step, totalSteps);
            var result = trainer.Step(batch, training.MicroBatchSize, lr, training.MaxTokensPerMicroBatch);
            double seconds = watch.Elapsed.TotalSeconds;
            if (result.Skipped)
                log.Warning("sft step {Step}: loss {Loss}, gradient norm {Norm}: not finite, the optimizer step was skipped", step, result.Loss, result.GradNorm);
            var metrics = new Dictionary<string, double>
            {
                [MetricNames.Loss] = result.Loss,
                [MetricNames.LearningRate] = lr,
                [MetricNames.GradNorm] = result.GradNorm,
                [TrainedTokensMetric] = result.TrainedTokens,
                [MetricNames.TokensPerSecond] = result.Tokens / Math.Max(seconds, 1e-9),
                [MetricNames.StepTimeSeconds] = seconds,
                [NonFiniteStepGuard.SkippedStepsMetric] = trainer.Guard.SkippedSteps,
            };
            if (held is not null && (step == totalSteps || (options.Data.EvalEvery > 0 && step % options.Data.EvalEvery == 0)))
            {
                metrics[EvalLossMetric] = EvalLoss();
                // Off a log_every step the step's metrics are not written: write eval_loss on its own.
                if (step % context.LogEvery != 0 && step != totalSteps)
                    context.Metrics.Log(step, new Dictionary<string, double> { [EvalLossMetric] = metrics[EvalLossMetric] });
            }
            context.ReportStep(step, metrics, isLast: step == totalSteps);
            StepCompleted?.Invoke(step);
            if (trainer.Guard.Exhausted)
            {
                // Skipped steps changed no weight: what is in memory is the last good state.
                if (trainer.Guard.TookAnyStep) Save(context, step, policy, trainer, cursor, data.Count);
                throw trainer.Guard.Diverged("sft", step, trainer.Guard.TookAnyStep ? $"the last good state was saved as checkpoint step {step}" : "no step succeeded, so no checkpoint was written");
            }
            if (context.StopRequested())
            {
                Save(context, step, policy, trainer, cursor, data.Count);
                return StageOutcome.Interrupted;
            }
            if (context.ShouldSave(step)) Save(context, step, policy, trainer, cursor, data.Count);
        }

        using (var scope = NewDisposeScope())
        {
            var masters = trainer.Optimizer.WriterMasterWeights(); // every rank: a collective under ZeRO-1; null off the writer
            context.WriteOutput(dir => policy.Save(dir, ModelResolver.SaveDtype(options.Model, policy.Model.Config.TorchDtype), masters!));
        }
        log.Information("sft: model written to {Output}", context.OutputDirectory);
        return StageOutcome.Completed;
    }

    /// <summary>training.steps, or ceil(epochs × examples / global batch), the global batch counting every rank's share.</summary>
    public static long TotalSteps(TrainingOptions training, int examples, int worldSize = 1) =>
        training.Steps ?? Math.Max(1, (long)Math.Ceiling(training.Epochs * examples / (training.GlobalBatch * worldSize)));

    private static void Save(StageContext context, long step, LanguageModel policy, SftTrainer trainer, DataCursor cursor, int examples)
    {
        var state = new JsonObject
        {
            ["kind"] = "sft",
            ["step"] = step,
            ["examples"] = examples,
            ["cursor"] = cursor.Save(),
        };
        trainer.Guard.Save(state);
        context.SaveCheckpointFromAllRanks(step, dir => TrainerCheckpoint.Write(dir, policy, trainer.Optimizer, state), new Dictionary<string, string> { ["kind"] = "sft" });
    }

    private static void RestoreState(SavedCheckpoint checkpoint, LanguageModel policy, SftTrainer trainer, DataCursor cursor, int examples, Serilog.ILogger log)
    {
        var state = TrainerCheckpoint.Restore(checkpoint.Path, policy, trainer.Optimizer);
        var where = Path.Combine(checkpoint.Path, TrainerCheckpoint.StateFile);
        if (state["step"] is not JsonValue stepValue || stepValue.GetValue<long>() != checkpoint.Step)
            throw new InvalidDataException($"{where}: \"step\" is {state["step"]?.ToJsonString() ?? "missing"}, but the checkpoint is step {checkpoint.Step}");
        if (state["cursor"] is not JsonObject cursorState)
            throw new InvalidDataException($"{where}: \"cursor\" missing: not an sft checkpoint");
        cursor.Restore(cursorState);
        trainer.Guard.Restore(state);
        var saved = state["examples"]?.GetValue<int>();
        if (saved != examples)
            log.Warning("the training set has {Now} examples but had {Then} when checkpoint {Path} was written: the data order will differ from an uninterrupted run",
                examples, saved, checkpoint.Path);
    }
}
