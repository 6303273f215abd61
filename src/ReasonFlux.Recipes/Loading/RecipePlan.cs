using System.Globalization;
using System.Text;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;

namespace ReasonFlux.Recipes.Loading;

/// <summary>One number --dry-run derives from a stage's settings, e.g. sequences per step.</summary>
/// <param name="Key">Stable snake_case id (tests and tools key on it).</param>
/// <param name="Label">What it is, for people.</param>
/// <param name="Value">The number, or null when it needs something not available yet (e.g. a data file that is not there).</param>
/// <param name="Note">How it was computed.</param>
public sealed record DerivedNumber(string Key, string Label, double? Value, string Note);

/// <summary>The derived numbers of one stage.</summary>
public sealed record StagePlan(string Name, StageKind Kind, string OutputDirectory, IReadOnlyList<DerivedNumber> Numbers)
{
    /// <summary>The value of the number with this key; throws if there is none.</summary>
    public double? this[string key] => Numbers.FirstOrDefault(n => n.Key == key)?.Value
        ?? (Numbers.Any(n => n.Key == key) ? null : throw new KeyNotFoundException($"stage {Name} has no derived number \"{key}\""));
}

/// <summary>
/// Derives the batch arithmetic users otherwise work out by hand (grpo-reference.md §9 item 11): prompts and
/// sequences per step, global batch, optimizer steps, and an upper bound on tokens per step. Data files that
/// exist are counted (non-blank lines) to turn epochs into steps.
/// </summary>
public static class RecipePlan
{
    /// <summary>Problem counts of the built-in benchmarks.</summary>
    public static readonly IReadOnlyDictionary<string, int> BenchmarkSizes = new Dictionary<string, int>
    {
        ["math500"] = 500, ["aime24"] = 30, ["aime25"] = 30, ["amc23"] = 40, ["gpqa-diamond"] = 198,
    };

    public static IReadOnlyList<StagePlan> Derive(Recipe recipe) =>
        recipe.Stages.Select(s => new StagePlan(s.Name, s.Kind, Recipe.StageOutputPath(recipe.Header.OutputDir, recipe.RunName, s.Name), s switch
        {
            GrpoOptions g => Grpo(g, recipe),
            SftOptions f => Supervised(f.Training, f.Data.Train, f.Data.MaxSeqLen, f.Optimizer, f.Checkpoint, recipe, Recipe.StageKeyPrefix(s.Name) + "data.train"),
            PrmTrainOptions p => Supervised(p.Training, p.Data.Train, p.Data.MaxSeqLen, p.Optimizer, p.Checkpoint, recipe, Recipe.StageKeyPrefix(s.Name) + "data.train"),
            SelectOptions sel => Select(sel, recipe),
            EvalOptions e => Eval(e, recipe),
            LabelOptions l => Label(l, recipe),
            _ => [],
        })).ToList();

    private static List<DerivedNumber> Grpo(GrpoOptions g, Recipe recipe)
    {
        long seqs = g.SequencesPerStep;
        long perSeq = g.Data.MaxPromptTokens + (long)g.Rollout.MaxNewTokens;
        long totalPrompts = g.Training.Steps * g.Rollout.PromptsPerStep;
        var list = new List<DerivedNumber>
        {
            new("prompts_per_step", "prompts per step", g.Rollout.PromptsPerStep, "rollout.prompts_per_step"),
            new("sequences_per_step", "sequences (completions) per step", seqs, "prompts_per_step × group_size"),
            new("micro_batch_size", "sequences per forward/backward", g.Training.MicroBatchSize, "training.micro_batch_size"),
            new("grad_accumulation", "micro-batches per optimizer update", g.EffectiveGradAccumulation,
                g.Training.GradAccumulation is null ? "sequences_per_step / micro_batch_size (grad_accumulation: null)" : "training.grad_accumulation"),
            new("global_batch", "sequences per optimizer update (global batch)", g.GlobalBatch, "micro_batch_size × grad_accumulation"),
            new("optimizer_steps_per_step", "optimizer updates per step", g.UpdatesPerStep, "sequences_per_step / global_batch × ppo_epochs"),
            new("steps", "training steps", g.Training.Steps, "training.steps"),
            new("optimizer_steps", "optimizer updates in total", g.Training.Steps * g.UpdatesPerStep, "steps × optimizer updates per step"),
            new("prompts_total", "prompts drawn in total", totalPrompts, "steps × prompts_per_step"),
            new("generated_tokens_per_step_max", "generated tokens per step (upper bound)", seqs * g.Rollout.MaxNewTokens, "sequences_per_step × max_new_tokens"),
            new("tokens_per_step_max", "tokens per step through the policy (upper bound)", seqs * perSeq, "sequences_per_step × (max_prompt_tokens + max_new_tokens)"),
            new("prm_sequences_per_step", "sequences scored by the PRM per step", g.Reward.ProcessWeight > 0 ? seqs : 0, "sequences_per_step when process_weight > 0"),
            new("checkpoints", "checkpoints written", g.Checkpoint.SaveEvery > 0 ? g.Training.Steps / g.Checkpoint.SaveEvery : 0, "steps / save_every (plus a final one)"),
            new("evals", "evaluations during training", g.Eval.Every > 0 ? g.Training.Steps / g.Eval.Every : 0, "steps / eval.every"),
        };
        var prompts = CountLines(g.Data.Train, recipe, Recipe.StageKeyPrefix(g.Name) + "data.train");
        list.Add(new("train_prompts", "prompts in the training file", prompts, prompts is null ? "file not present yet" : g.Data.Train));
        list.Add(new("epochs", "passes over the prompt set", prompts is > 0 ? (double)totalPrompts / prompts.Value : null, "prompts_total / train_prompts"));
        return list;
    }

    private static List<DerivedNumber> Supervised(TrainingOptions t, string train, int maxSeqLen, OptimizerOptions opt, CheckpointOptions ckpt, Recipe recipe, string trainKey)
    {
        var examples = CountLines(train, recipe, trainKey);
        double? steps = t.Steps is { } fixedSteps ? fixedSteps : examples is null ? null : Math.Ceiling(examples.Value * t.Epochs / t.GlobalBatch);
        return
        [
            new("micro_batch_size", "sequences per forward/backward", t.MicroBatchSize, "training.micro_batch_size"),
            new("grad_accumulation", "micro-batches per optimizer step", t.GradAccumulation, "training.grad_accumulation"),
            new("global_batch", "sequences per optimizer step (global batch)", t.GlobalBatch, "micro_batch_size × grad_accumulation"),
            new("train_examples", "examples in the training file", examples, examples is null ? "file not present yet" : train),
            new("optimizer_steps", "optimizer steps", steps, t.Steps is null ? "ceil(train_examples × epochs / global_batch)" : "training.steps"),
            new("epochs", "passes over the training set", t.Steps is not null && examples is > 0 ? (double)t.Steps.Value * t.GlobalBatch / examples.Value : t.Steps is null ? t.Epochs : null, "steps × global_batch / train_examples"),
            new("tokens_per_step_max", "tokens per optimizer step (upper bound)", (double)t.GlobalBatch * maxSeqLen, "global_batch × max_seq_len"),
            new("warmup_steps", "warmup steps", opt.WarmupSteps, "optimizer.warmup_steps"),
            new("checkpoints", "checkpoints written", steps is null ? null : ckpt.SaveEvery > 0 ? Math.Floor(steps.Value / ckpt.SaveEvery) : 0, "optimizer_steps / save_every (plus a final one)"),
        ];
    }

    private static List<DerivedNumber> Select(SelectOptions s, Recipe recipe)
    {
        var pool = CountLines(s.Data.Pool, recipe, Recipe.StageKeyPrefix(s.Name) + "data.pool");
        return
        [
            new("pool_size", "records in the pool", pool, pool is null ? "file not present yet" : s.Data.Pool),
            new("top_k", "records kept", pool is null ? s.TopK : Math.Min(s.TopK, pool.Value), "min(top_k, pool_size)"),
            new("prm_forward_passes", "PRM forward passes", s.Method == SelectMethod.Random ? 0 : pool is null ? null : Math.Ceiling(pool.Value / (double)s.Prm.BatchSize), s.Method == SelectMethod.Random ? "method: random scores nothing" : "pool_size / prm.batch_size"),
        ];
    }

    private static List<DerivedNumber> Eval(EvalOptions e, Recipe recipe)
    {
        double? problems = BenchmarkNames.IsFile(e.Benchmark)
            ? CountLines(e.Benchmark, recipe, Recipe.StageKeyPrefix(e.Name) + "benchmark")
            : BenchmarkSizes.TryGetValue(e.Benchmark, out var n) ? n : null;
        if (problems is not null && e.Limit is not null) problems = Math.Min(problems.Value, e.Limit.Value);
        // The evaluator draws max(n, best_of_n) samples per problem and takes Best-of-N from the first N of them.
        double? samples = problems * Math.Max(e.N, e.BestOfN);
        return
        [
            new("problems", "problems evaluated", problems, e.Limit is null ? e.Benchmark : $"min(limit, {e.Benchmark})"),
            new("samples", "responses generated", samples, "problems × max(n, best_of_n)"),
            new("generated_tokens_max", "generated tokens (upper bound)", samples * e.Sampling.MaxNewTokens, "samples × max_new_tokens"),
            new("prm_scored", "responses scored by the PRM", e.BestOfN > 1 ? samples : 0, "samples when best_of_n > 1"),
        ];
    }

    private static List<DerivedNumber> Label(LabelOptions l, Recipe recipe)
    {
        var problems = CountLines(l.Data.Problems, recipe, Recipe.StageKeyPrefix(l.Name) + "data.problems");
        double? samples = problems * l.Samples;
        return
        [
            new("problems", "problems sampled", problems, problems is null ? "file not present yet" : l.Data.Problems),
            new("samples", "responses generated (each a prm.jsonl line unless dropped)", samples, "problems × samples"),
            new("generated_tokens_max", "generated tokens (upper bound)", samples * l.Sampling.MaxNewTokens, "samples × max_new_tokens"),
        ];
    }

    private static double? CountLines(string path, Recipe recipe, string key)
    {
        if (recipe.ProducedPaths.Contains(key) || !File.Exists(path)) return null;
        long count = 0;
        foreach (var line in File.ReadLines(path))
            if (!string.IsNullOrWhiteSpace(line)) count++;
        return count;
    }

    /// <summary>The plan as an aligned text table per stage, for --dry-run.</summary>
    public static string Format(IReadOnlyList<StagePlan> plans)
    {
        var sb = new StringBuilder();
        foreach (var plan in plans)
        {
            sb.Append($"stage {plan.Name} ({SchemaNames.EnumName(plan.Kind)}) → {plan.OutputDirectory}: {StageOptions.OutputDescription(plan.Kind)}\n");
            if (plan.Numbers.Count == 0) continue;
            int width = plan.Numbers.Max(n => n.Label.Length);
            foreach (var n in plan.Numbers)
            {
                var value = n.Value is { } v ? FormatNumber(v) : "unknown";
                sb.Append("  ").Append(n.Label.PadRight(width)).Append("  ").Append(value.PadLeft(14)).Append("   ").Append(n.Note).Append('\n');
            }
        }
        return sb.ToString();
    }

    private static string FormatNumber(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
