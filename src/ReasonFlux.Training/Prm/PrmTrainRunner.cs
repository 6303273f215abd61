using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Prm;

/// <summary>
/// The prm stage: trains a ReasonFlux-style process reward model (reasonflux-prm.md §3, §9 item 4) on a Qwen2
/// base with a fresh two-class or scalar head, with AdamW, the recipe's LR schedule, gradient clipping and
/// accumulation. Checkpoints (step-N/) resume exactly; the output folder is a PRM that <see cref="PrmScorer"/>
/// loads (layout in <see cref="PrmModelFolder"/>). Metrics per step: loss, loss/step, loss/final, lr, grad_norm.
/// Model dtype follows model.dtype (fp32 master weights for bf16/fp16, optimizer.master_dtype); weight decay
/// applies to every parameter; model.gradient_checkpointing recomputes each decoder layer in backward.
/// Data parallel (<see cref="DataParallel"/>): the global batch is micro_batch_size × grad_accumulation × world,
/// every rank draws it and trains on its share, the loss is divided by the global sequence count, and the
/// gradients are summed over ranks, so a run on N ranks equals one process with N times the accumulation.
/// </summary>
public sealed class PrmTrainRunner : StageRunner<PrmTrainOptions>
{
    public const string StepLossMetric = "loss/step";
    public const string FinalLossMetric = "loss/final";

    /// <summary>Metric: the objective on data.eval.</summary>
    public const string EvalLossMetric = "eval_loss";

    public override StageKind Kind => StageKind.Prm;

    public override bool RunsDataParallel => true;

    /// <summary>Called after each optimizer step, before the interrupt check (embedding and tests: e.g. request a stop at a given step).</summary>
    public Action<long, StageContext>? AfterStep { get; init; }

    /// <summary>Fault injection for tests: runs on the parameters after backward, before the guarded optimizer step.</summary>
    public Action<IReadOnlyList<Tensor>>? GradientFault { get; init; }

    protected override StageOutcome Run(PrmTrainOptions o, StageContext context)
    {
        if (o.Head == PrmHead.Scalar && o.Loss.LambdaFinal == 0)
            throw new InvalidDataException("loss.lambda_final is 0 but a scalar head only has the trajectory-level output: nothing would be trained");
        var dataParallel = new DataParallel(context.Distributed);
        var device = ModelResolver.DeviceOf(o.Model, context.Distributed.LocalRank);
        var dtype = ModelResolver.ToScalarType(o.Model.Dtype);
        var log = context.Log;
        var readout = PrmModelFolder.ToReadout(o.Readout);

        nn.Module model;
        Qwen2Config config;
        PrmTokenizerFiles tokenizer;
        if (context.ResumeFrom is { } resume)
        {
            var modelDir = TrainerCheckpoint.ModelDirectory(resume.Path);
            tokenizer = PrmTokenizerFiles.Prepare(modelDir, o.StepSeparator, Qwen2Config.Load(modelDir).VocabSize, chatTemplate: null);
            (model, config) = PrmModelFolder.Load(modelDir, o.Head, readout, dtype, device);
        }
        else
        {
            // A built-in base model is written into the stage folder once, by rank 0, before the others read it.
            string baseDir = "";
            context.Distributed.WriterFirst(() => baseDir = ModelResolver.Materialize(o.Model.Path, context.Folder.Path, o.Training.Seed));
            tokenizer = PrmTokenizerFiles.Prepare(baseDir, o.StepSeparator, Qwen2Config.Load(baseDir).VocabSize, o.Model.ChatTemplate);
            (model, config) = PrmModelFolder.Create(baseDir, o.Head, readout, dtype, device, o.Training.Seed);
            if (tokenizer.AddedSeparator)
                log.Information("the base tokenizer has no {Separator}: added it as special token {Id}", o.StepSeparator, tokenizer.SeparatorId);
        }
        using var _model = model;

        var encoder = new PrmInputEncoder(tokenizer.Tokenizer, tokenizer.Template, o.Head == PrmHead.TwoClass ? PrmHeadKind.TwoClass : PrmHeadKind.Scalar,
            new PrmScoringOptions { Mode = PrmScoringMode.Paper, SeparatorToken = o.StepSeparator, MaxTokens = o.Data.MaxSeqLen, ScalarMaxTokens = o.Data.MaxSeqLen },
            o.Model.Path, o.Head == PrmHead.TwoClass ? readout : null);
        var data = PrmTrainingSet.Load(o.Data, o.Head, encoder);
        if (data.Count == 0) throw new InvalidDataException($"{o.Data.Train}: no training examples");
        if (data.TruncatedExamples > 0)
            log.Warning("{Count} examples are longer than data.max_seq_len {Max}: cut at the end, losing {Steps} step targets", data.TruncatedExamples, o.Data.MaxSeqLen, data.TruncatedSteps);

        var held = o.Data.Eval is { } evalPath ? PrmTrainingSet.Load(o.Data, o.Head, encoder, evalPath) : null;
        if (held is not null && held.Count == 0) throw new InvalidDataException($"{o.Data.Eval}: no held-out examples");

        var t = o.Training;
        long globalBatch = t.GlobalBatch * dataParallel.WorldSize;
        long total = t.Steps ?? Math.Max(1, (long)Math.Ceiling(t.Epochs * data.Count / globalBatch));
        var cursor = new DataCursor(data.Count, t.Seed, o.Data.Shuffle);
        // freeze_base: only the head's parameters get gradients and optimizer state; the decoder stays the base's.
        var named = model.named_parameters().ToArray();
        var trained = named.Where(p => !o.FreezeBase || FreshHeadParameters.IsHead(p.Name)).ToArray();
        foreach (var (_, p) in named.Except(trained)) p.requires_grad = false;
        var parameters = trained.Select(p => p.Parameter).ToArray();
        var trainedNames = trained.Select(p => p.Name).ToArray();
        using var optimizer = ModelResolver.CreateOptimizer(parameters, dtype, o.Optimizer, dataParallel);
        ((IQwen2Backbone)model).Model.GradientCheckpointing = o.Model.GradientCheckpointing;
        var guard = new NonFiniteStepGuard(t.MaxConsecutiveSkips, GradientFault);
        if (context.ResumeFrom is { } from)
        {
            var state = TrainerCheckpoint.Restore(from.Path, trainedNames, optimizer, device);
            cursor.Restore(state["cursor"]?.AsObject() ?? throw new InvalidDataException($"{from.Path}: trainer state has no \"cursor\""));
            guard.Restore(state);
        }
        dataParallel.SynchronizeWeights(optimizer);
        if (optimizer.IsSharded) log.Information("{Shard}", optimizer.DescribeShard());
        log.Information("prm: {Examples} examples, {Steps} steps of {Batch} sequences ({Micro} × {Accumulation} × {World} ranks), head {Head} read {Readout}, {Trained}, on {Device}",
            data.Count, total, globalBatch, t.MicroBatchSize, t.GradAccumulation, dataParallel.WorldSize, o.Head, readout,
            o.FreezeBase ? $"base frozen ({parameters.Sum(p => p.numel())} of {named.Sum(p => p.Parameter.numel())} parameters trained)" : "every parameter trained", device);

        // The optimizer's values are the trained parameters'; a frozen decoder is saved as it is.
        void SaveModel(string directory, ScalarType saveDtype, Tensor[] masters)
        {
            var byName = trainedNames.Zip(masters).ToDictionary(x => x.First, x => x.Second);
            PrmModelFolder.Save(model, config, tokenizer, directory, saveDtype, named.Select(p => byName.GetValueOrDefault(p.Name) ?? p.Parameter).ToArray());
        }

        var objective = new PrmObjective(o.Loss, encoder.PadTokenId, device);
        JsonObject TrainerState(long step)
        {
            var state = new JsonObject { ["step"] = step, ["total_steps"] = total, ["cursor"] = cursor.Save() };
            guard.Save(state);
            return state;
        }
        void Save(long step)
        {
            context.SaveCheckpointFromAllRanks(step,
                dir => TrainerCheckpoint.Write(dir, trainedNames, (d, masters) => SaveModel(d, TrainerCheckpoint.MasterSaveDtype(dtype, optimizer.MasterDtype), masters), optimizer, TrainerState(step)),
                new Dictionary<string, string> { ["kind"] = "prm" });
        }

        context.Progress.Start(o.Name, total, context.FirstStep);
        // Held-out loss without autograd, in the training objective's per-example normalisation.
        double EvalLoss()
        {
            using var noGrad = no_grad();
            double stepSum = 0, finalSum = 0;
            foreach (var rows in MicroBatchPlan.Split(held!.Examples.Select(e => e.InputIds.Length).ToArray(), t.MicroBatchSize, t.MaxTokensPerMicroBatch))
            {
                using var scope = NewDisposeScope();
                var sums = objective.Compute(model, rows.Select(i => held.Examples[i]).ToArray());
                stepSum += sums.StepLoss;
                finalSum += sums.FinalLoss;
            }
            return (o.Loss.LambdaStep * stepSum + o.Loss.LambdaFinal * finalSum) / held.Count;
        }
        if (held is not null && context.FirstStep == 1)
            context.Metrics.Log(0, new Dictionary<string, double> { [EvalLossMetric] = EvalLoss() });
        for (long step = context.FirstStep; step <= total; step++)
        {
            var clock = Stopwatch.StartNew();
            optimizer.ZeroGrad();
            double stepSum = 0, finalSum = 0;
            long tokens = 0;
            // Every rank draws the same global batch and trains on its share of it.
            var stepBatch = dataParallel.Shard(cursor.Take(checked((int)globalBatch)).Select(i => data.Examples[i]).ToArray());
            foreach (var rows in MicroBatchPlan.Split(stepBatch.Select(e => e.InputIds.Length).ToArray(), t.MicroBatchSize, t.MaxTokensPerMicroBatch))
            {
                var batch = rows.Select(i => stepBatch[i]).ToArray();
                using var scope = NewDisposeScope();
                var sums = objective.Compute(model, batch);
                sums.Loss.div(globalBatch).backward();
                stepSum += sums.StepLoss;
                finalSum += sums.FinalLoss;
                tokens += sums.Tokens;
            }
            optimizer.ReduceGradients();
            if (dataParallel.WorldSize > 1)
            {
                var sums = context.Distributed.Sum(stepSum, finalSum, tokens);
                (stepSum, finalSum, tokens) = (sums[0], sums[1], (long)sums[2]);
            }
            double loss = (o.Loss.LambdaStep * stepSum + o.Loss.LambdaFinal * finalSum) / globalBatch;
            double lr = LearningRateSchedule.At(o.Optimizer, step, total);
            var (gradNorm, stepped) = guard.Step(optimizer, parameters, loss, o.Optimizer.MaxGradNorm > 0 ? o.Optimizer.MaxGradNorm : double.MaxValue, lr);
            if (!stepped) log.Warning("prm step {Step}: loss {Loss}, gradient norm {Norm}: not finite, the optimizer step was skipped", step, loss, gradNorm);

            double seconds = clock.Elapsed.TotalSeconds;
            var metrics = new Dictionary<string, double>
            {
                [MetricNames.Loss] = loss,
                [FinalLossMetric] = finalSum / globalBatch,
                [MetricNames.LearningRate] = lr,
                [MetricNames.GradNorm] = gradNorm,
                [MetricNames.StepTimeSeconds] = seconds,
                [MetricNames.TokensPerSecond] = tokens / Math.Max(seconds, 1e-9),
                [NonFiniteStepGuard.SkippedStepsMetric] = guard.SkippedSteps,
            };
            if (o.Head == PrmHead.TwoClass) metrics[StepLossMetric] = stepSum / globalBatch;
            if (held is not null && (step == total || (o.Data.EvalEvery > 0 && step % o.Data.EvalEvery == 0)))
            {
                metrics[EvalLossMetric] = EvalLoss();
                // Off a log_every step the step's metrics are not written: write eval_loss on its own.
                if (step % context.LogEvery != 0 && step != total)
                    context.Metrics.Log(step, new Dictionary<string, double> { [EvalLossMetric] = metrics[EvalLossMetric] });
            }
            context.ReportStep(step, metrics, step == total);
            AfterStep?.Invoke(step, context);
            if (guard.Exhausted)
            {
                // Skipped steps changed no weight: what is in memory is the last good state.
                if (guard.TookAnyStep) Save(step);
                throw guard.Diverged("prm", step, guard.TookAnyStep ? $"the last good state was saved as checkpoint step {step}" : "no step succeeded, so no checkpoint was written");
            }

            if (context.StopRequested())
            {
                Save(step);
                return StageOutcome.Interrupted;
            }
            if (context.ShouldSave(step)) Save(step);
        }

        using (var scope = NewDisposeScope())
        {
            var masters = optimizer.WriterMasterWeights(); // every rank: a collective under ZeRO-1; null off the writer
            context.WriteOutput(dir => SaveModel(dir, ModelResolver.SaveDtype(o.Model, config.TorchDtype), masters!));
        }
        log.Information("prm: wrote {Output}", context.OutputDirectory);
        return StageOutcome.Completed;
    }
}
