using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Models.Heads;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Torch;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Grpo;

/// <summary>
/// The GRPO stage, one linear loop: take prompts → generate and score (outcome + frozen-PRM process rewards →
/// advantages) → compute loss and update → log, evaluate, checkpoint. A step is G × prompts_per_step sequences.
/// Data parallel: every rank draws the step's prompts and keeps its share (prompts_per_step / world, dealt by
/// <see cref="GrpoPromptShard"/>), so a prompt's G rollouts stay on one rank, which generates (the group one process
/// would sample), grades and scores them with its own replica of the frozen PRM and reference; group statistics come
/// from the group, batch metrics are merged over the ranks,
/// and <see cref="GrpoUpdate"/> sums the gradients.
/// </summary>
public sealed class GrpoRunner : StageRunner<GrpoOptions>
{
    /// <summary>Builds the PRM used for process rewards, given by the composition root (null: none available, and a recipe with process_weight > 0 fails).</summary>
    public Func<PrmScorerOptions, Device, IProcessRewardModel>? ProcessRewardModelFactory { get; init; }

    /// <summary>Periodic evaluation: (policy, options, step) → metrics to log under eval/ (null: eval.every has nothing to run).</summary>
    public Func<LanguageModel, GrpoOptions, long, IReadOnlyDictionary<string, double>>? Evaluate { get; init; }

    /// <summary>Called after each step is reported, before the interrupt is polled (tests stop a run at an exact step).</summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>Fault injection for tests: runs on the parameters after backward, before the guarded optimizer step.</summary>
    public Action<IReadOnlyList<Tensor>>? GradientFault { get; init; }

    public override StageKind Kind => StageKind.Grpo;

    public override bool RunsDataParallel => true;

    protected override StageOutcome Run(GrpoOptions o, StageContext ctx)
    {
        var dataParallel = new DataParallel(ctx.Distributed);
        int world = dataParallel.WorldSize;
        if (o.Rollout.PromptsPerStep % world != 0)
            throw new InvalidDataException($"rollout.prompts_per_step {o.Rollout.PromptsPerStep} does not split over {world} ranks (a prompt's G rollouts stay on one rank): make it a multiple of {world}");
        if (world > 1 && o.Rollout.DynamicSampling)
            throw new InvalidDataException($"rollout.dynamic_sampling with {world} ranks is not implemented (each rank would draw a different number of prompts); set it to false or run one process");
        var device = ModelResolver.DeviceOf(o.Model, ctx.Distributed.LocalRank);
        var workDir = Path.Combine(ctx.Folder.Path, "work");
        string initial = "";
        // A built-in model is written once, by rank 0, before the others read it.
        ctx.Distributed.WriterFirst(() => initial = ModelResolver.Materialize(o.Model.Path, workDir, o.Training.Seed));
        var dtype = ModelResolver.ToScalarType(o.Model.Dtype);
        // On resume the weights come from the checkpoint, the tokenizer and template from the recipe's model folder
        // (checkpoint folders are pruned by keep_last, so nothing may keep pointing into them).
        using var policy = ctx.ResumeFrom is { } r
            ? TrainerCheckpoint.LoadPolicy(r.Path, o.Model, workDir, o.Training.Seed, device)
            : LanguageModel.Load(initial, dtype, device, o.Model.ChatTemplate);
        if (ctx.ResumeFrom is null) ModelResolver.WarnUnusedTensors(policy, ctx.Log);
        var referenceDevice = ModelResolver.DeviceOf(o.Algorithm.ReferenceDevice, ctx.Distributed.LocalRank, "algorithm.reference_device", auto: device);
        using var reference = o.Algorithm.BetaKl > 0 ? PretrainedModel.LoadCausalLM(initial, dtype, referenceDevice) : null;
        using var prm = o.Reward.ProcessWeight > 0 ? CreatePrm(o, Prm.PrmScorerLoader.DeviceOf(o.Reward.Prm, "reward.prm.device", ctx.Distributed.LocalRank, device)) : null;
        var prompts = LoadPrompts(o, policy);
        var cursor = new DataCursor(prompts.Count, o.Training.Seed, o.Data.Shuffle);
        using var optimizer = ModelResolver.CreateOptimizer(policy.Model.parameters(), dtype, o.Optimizer, dataParallel);
        policy.Model.Model.GradientCheckpointing = o.Model.GradientCheckpointing;
        long updatesDone = 0;
        var guard = new NonFiniteStepGuard(o.Training.MaxConsecutiveSkips, GradientFault);
        if (ctx.ResumeFrom is { } resume)
        {
            var state = TrainerCheckpoint.Restore(resume.Path, policy, optimizer);
            cursor.Restore(state["cursor"]!.AsObject());
            updatesDone = (long)state["updates"]!;
            guard.Restore(state);
            ctx.Log.Information("resumed GRPO at step {Step} from {Path}", ctx.FirstStep, resume.Path);
        }
        reference?.requires_grad_(false);
        dataParallel.SynchronizeWeights(optimizer);
        if (optimizer.IsSharded) ctx.Log.Information("{Shard}", optimizer.DescribeShard());

        using var rewardFunctions = new GrpoRewardFunctions(o, ctx.Log);
        int promptsPerRank = o.Rollout.PromptsPerStep / world;
        var rollouts = new GrpoRollouts(policy, o, prm, rewardFunctions, promptsPerRank);
        var update = new GrpoUpdate(policy.Model, reference, optimizer, o, policy.PadTokenId, guard, dataParallel);
        long totalUpdates = o.Training.Steps * UpdatesPerStep(o, world);
        long sequencesPerUpdate = Math.Min(o.GlobalBatch, o.SequencesPerStep / world);
        // Step-0 eval: curves start from the model training started from (a resumed run already logged it).
        if (Evaluate is not null && o.Eval.Every > 0 && ctx.FirstStep == 1)
            ctx.Metrics.Log(0, Evaluate(policy, o, 0).ToDictionary(kv => MetricNames.EvalPrefix + kv.Key, kv => kv.Value));
        ctx.Progress.Start(o.Name, o.Training.Steps, ctx.FirstStep);
        for (long step = ctx.FirstStep; step <= o.Training.Steps; step++)
        {
            var timer = Stopwatch.StartNew();
            // Sampling seeds come from (seed, step) alone, so a resumed run draws exactly what it would have. Every
            // rank draws the whole step's prompts and keeps its share; a prompt's streams are named by its index in
            // the step's global batch, so its group is the one a single process would sample.
            var batch = rollouts.Run(n =>
            {
                var drawn = cursor.Take(n * world);
                return GrpoPromptShard.Positions(drawn.Length, o.Rollout.GroupSize, sequencesPerUpdate, dataParallel.Rank, world)
                    .Select(i => (prompts[drawn[i]], i)).ToArray();
            }, o.Training.Seed * 1_000_003 + step);
            var metrics = new Dictionary<string, double>(MergeRankMetrics(batch.Metrics, ctx, o.SequencesPerStep / world));
            // Dynamic sampling can keep no group at all: then there is nothing to learn from this step.
            if (batch.Sequences.Count > 0)
            {
                var first = updatesDone;
                var lossMetrics = update.Run(batch.Sequences, u => LearningRateSchedule.At(o.Optimizer, first + u + 1, totalUpdates));
                updatesDone += (long)lossMetrics["updates"];
                foreach (var (k, v) in lossMetrics) if (k != "updates") metrics[k] = v;
            }
            metrics[MetricNames.LearningRate] = LearningRateSchedule.At(o.Optimizer, updatesDone, totalUpdates);
            metrics[MetricNames.StepTimeSeconds] = timer.Elapsed.TotalSeconds;
            metrics[MetricNames.TokensPerSecond] = ctx.Distributed.Sum(batch.GeneratedTokens)[0] / timer.Elapsed.TotalSeconds;
            metrics[NonFiniteStepGuard.SkippedStepsMetric] = guard.SkippedSteps;
            if (Evaluate is not null && o.Eval.Every > 0 && (step % o.Eval.Every == 0 || step == o.Training.Steps))
                foreach (var (k, v) in Evaluate(policy, o, step)) metrics[MetricNames.EvalPrefix + k] = v;
            ctx.ReportStep(step, metrics, step == o.Training.Steps);
            StepCompleted?.Invoke(step);

            var interrupted = ctx.StopRequested();
            // Skipped updates changed no weight: on divergence what is in memory is the last good state.
            bool diverged = guard.Exhausted;
            if (interrupted || ctx.ShouldSave(step) || (diverged && guard.TookAnyStep))
            {
                var state = new JsonObject { ["step"] = step, ["updates"] = updatesDone, ["cursor"] = cursor.Save() };
                guard.Save(state);
                ctx.SaveCheckpointFromAllRanks(step, dir => TrainerCheckpoint.Write(dir, policy, optimizer, state));
            }
            if (diverged)
                throw guard.Diverged("grpo", step, guard.TookAnyStep ? $"the last good state was saved as checkpoint step {step}" : "no update succeeded, so no checkpoint was written");
            if (interrupted)
            {
                ctx.Progress.Finish();
                return StageOutcome.Interrupted;
            }
        }
        ctx.Progress.Finish();
        using (var scope = NewDisposeScope())
        {
            // ZeRO-1: no rank holds the others' master weights, so the parameters (broadcast from their owners) are compared.
            dataParallel.CheckIdentical(optimizer.IsSharded ? optimizer.Parameters : optimizer.LocalMasterWeights(), "weights at the end of training");
            var masters = optimizer.WriterMasterWeights(); // every rank: a collective under ZeRO-1; null off the writer
            ctx.WriteOutput(dir => policy.Save(dir, ModelResolver.SaveDtype(o.Model, policy.Model.Config.TorchDtype), masters!));
        }
        return StageOutcome.Completed;
    }

    /// <summary>
    /// Optimizer updates per step on each rank: its prompts_per_step / world × G sequences in updates of
    /// micro_batch_size × grad_accumulation (all of them when grad_accumulation is null), times ppo_epochs.
    /// </summary>
    public static long UpdatesPerStep(GrpoOptions o, int world)
    {
        long local = o.SequencesPerStep / world;
        long perUpdate = Math.Min(o.GlobalBatch, local);
        return (local + perUpdate - 1) / perUpdate * o.Training.PpoEpochs;
    }

    /// <summary>
    /// Batch metrics over every rank's groups: maxima and counts combine as such, the reward's std pools the ranks'
    /// means and stds, the rest are means (ranks hold equal shares of <paramref name="perRank"/> sequences).
    /// </summary>
    private static IReadOnlyDictionary<string, double> MergeRankMetrics(IReadOnlyDictionary<string, double> local, StageContext ctx, long perRank)
    {
        var d = ctx.Distributed;
        if (!d.IsDistributed) return local;
        var keys = local.Keys.Order(StringComparer.Ordinal).ToArray();
        using var scope = NewDisposeScope();
        var gathered = d.AllGather(tensor(keys.Select(k => local[k]).ToArray(), device: d.CollectiveDevice)).to(Device.CPU).ToArray<double>();
        var merged = new Dictionary<string, double>();
        for (int k = 0; k < keys.Length; k++)
        {
            var values = Enumerable.Range(0, d.WorldSize).Select(r => gathered[r * keys.Length + k]).ToArray();
            merged[keys[k]] = keys[k].EndsWith("max", StringComparison.Ordinal) ? values.Max()
                : keys[k] is GrpoRewardFunctions.ErrorsMetric || keys[k] == NonFiniteRewards.Metric || keys[k] == GrpoRollouts.EngineBatchesMetric ? values.Sum()
                : values.Average();
        }
        if (local.ContainsKey(MetricNames.RewardStd))
        {
            int meanAt = Array.IndexOf(keys, MetricNames.Reward), stdAt = Array.IndexOf(keys, MetricNames.RewardStd);
            double n = perRank, total = n * d.WorldSize, mean = merged[MetricNames.Reward], squares = 0;
            for (int r = 0; r < d.WorldSize; r++)
            {
                double m = gathered[r * keys.Length + meanAt], s = gathered[r * keys.Length + stdAt];
                squares += (n - 1) * s * s + n * m * m;
            }
            merged[MetricNames.RewardStd] = Math.Sqrt(Math.Max(0, (squares - total * mean * mean) / (total - 1)));
        }
        return merged;
    }

    private IProcessRewardModel CreatePrm(GrpoOptions o, Device device) =>
        (ProcessRewardModelFactory ?? throw new InvalidOperationException("process_weight > 0 but no PRM scorer is registered with GrpoRunner"))(o.Reward.Prm, device);

    private static List<GrpoPrompt> LoadPrompts(GrpoOptions o, LanguageModel policy)
    {
        var prompts = new List<GrpoPrompt>();
        foreach (var line in JsonlReader.Read(o.Data.Train))
        {
            var (problem, answer) = ReadPromptFields(line, o.Data);
            var ids = GrpoRollouts.EncodePrompt(policy, problem);
            if (ids.Length > o.Data.MaxPromptTokens)
                throw line.Error($"prompt is {ids.Length} tokens after the chat template, above data.max_prompt_tokens {o.Data.MaxPromptTokens}");
            prompts.Add(new GrpoPrompt(problem, answer, ids));
        }
        if (prompts.Count == 0) throw new InvalidDataException($"{o.Data.Train}: no prompts");
        return prompts;
    }

    /// <summary>The problem and reference answer of one prompt line (also what <c>train --dry-run</c> checks); throws naming file:line.</summary>
    public static (string Problem, string Answer) ReadPromptFields(JsonlRecord line, GrpoDataOptions data)
    {
        var problem = line.GetString(data.PromptKey);
        var answer = line.Value[data.AnswerKey] is JsonValue v ? v.ToString() : throw line.Error($"missing answer field \"{data.AnswerKey}\"");
        return (problem, answer);
    }
}
