using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Grading.Metrics;
using ReasonFlux.IO;
using ReasonFlux.Models;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Recipes.Schema;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;
using ReasonFlux.Tokenizers;
using ReasonFlux.Training.Common;
using ReasonFlux.Training.Eval;

namespace ReasonFlux.Training.Label;

/// <summary>
/// The <c>label</c> stage: samples the policy on problems with known chains and writes every kept sample, each step
/// labelled by checking it (<see cref="SampleLabeller"/>), as prm.jsonl, the data a prm stage trains on, with
/// summary.json beside it. Prompts are rendered and sampled exactly as the eval stage does (<see cref="EvalPrompts"/>,
/// <see cref="RolloutCompletionGenerator"/>, the seed in the sampling parameters), so the PRM learns from the
/// distribution it later scores, and the same recipe writes the same file. Like an eval it keeps no checkpoint: an
/// interrupt stops it between generation batches and a resume starts again from the first problem.
/// </summary>
/// <param name="generatorFactory">
/// Where samples come from for a loaded policy; null: <see cref="RolloutCompletionGenerator"/>, as the eval stage.
/// Tests give known completions (with their token ids) here.
/// </param>
public sealed class LabelRunner(Func<LanguageModel, ICompletionGenerator>? generatorFactory = null) : StageRunner<LabelOptions>
{
    public const string PrmFileName = "prm.jsonl", SummaryFileName = "summary.json";

    public override StageKind Kind => StageKind.Label;

    protected override StageOutcome Run(LabelOptions options, StageContext ctx)
    {
        var wall = Stopwatch.StartNew();
        var problems = LabelProblems.Load(options.Data.Problems, options.Task);
        var device = ModelResolver.DeviceOf(options.Model, ctx.Distributed.LocalRank);
        using var model = ModelResolver.LoadPolicy(options.Model, Path.Combine(ctx.Folder.Path, "work"), options.Seed, device);
        ModelResolver.WarnUnusedTensors(model, ctx.Log);
        var prompts = problems.Select(p => EvalPrompts.Render(model.ChatTemplate, p.Item, options.SystemPrompt)).ToList();
        var sampling = EvalSettings.ToSamplingParams(options.Sampling, options.Seed);
        // The generator's own default, needed here to take the stop token off the written text.
        var stopTokens = model.StopTokenIds;
        int k = options.Samples;
        ctx.Log.Information("labelling {Model} on {Problems}: {Count} problems × {Samples} samples, labels {Labels}",
            options.Model.Path, options.Data.Problems, problems.Count, k, SchemaNames.EnumName(options.Labels));

        var summary = new LabelSummary(problems.Count, k, options.Labels);
        var labels = new SampleLabel?[problems.Count * k];
        var pace = ProgressPace.For(ctx.Progress, labels.Length);
        void LabelOne(GeneratedCompletion c)
        {
            int slot = Evaluator.Slot(c, problems.Count, k);
            if (labels[slot] is not null) return;
            var problem = problems[c.PromptIndex];
            labels[slot] = SampleLabeller.Label(problem, WrittenText(model.Tokenizer, c, stopTokens), options.Labels);
            // Graded on the eval-time text, so answer_accuracy is what an eval stage's pass@1 would be on these samples.
            summary.Add(labels[slot]!, SampleLabeller.AnswerCorrect(problem, c.Text), c.FinishReason == FinishReason.Length);
        }

        ctx.Progress.Start($"label {options.Name}", labels.Length, 1);
        int done = 0;
        try
        {
            var generator = generatorFactory?.Invoke(model) ?? new RolloutCompletionGenerator(model);
            var completions = generator.Generate(prompts, sampling, k, c =>
            {
                LabelOne(c);
                done++;
                if (pace.ShouldReport(done))
                    ctx.Progress.Update(done, new Dictionary<string, double> { [MetricNames.Accuracy] = (double)summary.AnswerCorrect / done });
            }, ctx.Interrupt.Token);
            if (completions.Count != labels.Length)
                throw new InvalidOperationException($"the generator returned {completions.Count} completions for {problems.Count} problems × {k} samples");
            foreach (var c in completions) LabelOne(c);
        }
        catch (OperationCanceledException) when (ctx.Interrupt.IsRequested)
        {
            ctx.Log.Warning("labelling stopped; it keeps no checkpoint and starts again from the first problem on resume");
            return StageOutcome.Interrupted;
        }

        using (var writer = new JsonlWriter(Path.Combine(ctx.OutputDirectory, PrmFileName)))
        {
            for (int i = 0; i < labels.Length; i++)
                if (labels[i]!.Sample is { } sample)
                    writer.Write(sample.ToJson(problems[i / k].Item.Problem, problems[i / k].Item.Id, i % k));
            writer.Commit();
        }
        var json = summary.ToJson(wall.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(ctx.OutputDirectory, SummaryFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        ctx.Metrics.Log(1, new Dictionary<string, double>
        {
            ["label/written"] = summary.Written,
            ["label/dropped"] = summary.Dropped,
            ["label/clean_fraction"] = summary.Written == 0 ? 0 : (double)summary.Clean / summary.Written,
            ["label/answer_accuracy"] = summary.AnswerAccuracy,
        });
        if (summary.Dropped > 0)
            ctx.Log.Warning("{Dropped} of {Samples} samples were dropped (no </think>, no steps or no response): see {Summary}",
                summary.Dropped, summary.Samples, Path.Combine(ctx.OutputDirectory, SummaryFileName));
        ctx.Log.Information("label: {Summary} in {Seconds:F1} s; {Output}", summary.Describe(), wall.Elapsed.TotalSeconds, Path.Combine(ctx.OutputDirectory, PrmFileName));
        return StageOutcome.Completed;
    }

    /// <summary>
    /// The completion as the policy wrote it, special tokens kept but the final stop token dropped. Eval-time text skips
    /// special tokens, and builtin:tiny's &lt;think&gt; and &lt;/think&gt; are special: without them no sample could be
    /// split into trajectory and response. The steps it gives are the ones the PRM reads at eval time, where the
    /// stripped text splits on "\n\n" into the same think steps with the boxed response last. A generator that
    /// reports no token ids gives its text as written.
    /// </summary>
    private static string WrittenText(BpeTokenizer tokenizer, GeneratedCompletion c, IReadOnlyList<int> stopTokens)
    {
        var ids = c.TokenIds;
        if (ids.Count == 0) return c.Text;
        int n = c.FinishReason == FinishReason.Stop && stopTokens.Contains(ids[^1]) ? ids.Count - 1 : ids.Count;
        return tokenizer.Decode(ids.Take(n).ToArray(), skipSpecialTokens: false);
    }
}
