using System.Diagnostics;
using ReasonFlux.Grading.Metrics;
using ReasonFlux.Models;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Eval;

/// <summary>
/// Benchmark evaluation: renders every problem with the chat template, samples K responses per problem in one
/// generation call (so the engine batches across problems), grades each sample, optionally scores them for
/// Best-of-N and PRM-weighted majority, and aggregates pass@k, maj@k, Best-of-N, PRM-weighted maj@n and
/// pass@1 per domain (GPQA's physics, chemistry, biology).
/// </summary>
public sealed class Evaluator
{
    private readonly ICompletionGenerator _generator;
    private readonly ChatTemplate _chatTemplate;
    private readonly string _modelName;

    /// <param name="generator">Where completions come from (a model, or scripted completions in tests).</param>
    /// <param name="chatTemplate">The model's chat template, used to render system + user turn with the generation prompt.</param>
    /// <param name="modelName">The model named in reports.</param>
    public Evaluator(ICompletionGenerator generator, ChatTemplate chatTemplate, string modelName)
    {
        _generator = generator ?? throw new ArgumentNullException(nameof(generator));
        _chatTemplate = chatTemplate ?? throw new ArgumentNullException(nameof(chatTemplate));
        _modelName = modelName;
    }

    /// <summary>An evaluator sampling from <paramref name="model"/> through <see cref="RolloutEngine"/>.</summary>
    public static Evaluator ForModel(LanguageModel model, RolloutEngineOptions? engineOptions = null, string? modelName = null) =>
        new(new RolloutCompletionGenerator(model, engineOptions), model.ChatTemplate, modelName ?? model.Directory);

    /// <summary>
    /// One-call evaluation of a loaded model (periodic evaluation in a trainer): returns the result, whose
    /// <see cref="EvalResult.ToMetrics"/> with <see cref="EvalResult.MetricPrefix"/> gives the "eval/BENCHMARK/…" metrics.
    /// </summary>
    public static EvalResult Run(LanguageModel model, EvalBenchmark benchmark, EvalSettings settings, ICompletionScorer? scorer = null,
        ITrainingProgress? progress = null, CancellationToken cancellationToken = default, RolloutEngineOptions? engineOptions = null) =>
        ForModel(model, engineOptions).Evaluate(benchmark, settings, scorer, progress, cancellationToken);

    /// <summary>
    /// Evaluates <paramref name="benchmark"/>. Progress (if given) is started with one step per sample and updated as
    /// samples finish, with the running accuracy. Throws <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires (checked between generation batches); nothing partial is returned.
    /// </summary>
    /// <param name="scorer">Scores every sample for Best-of-N; null: no Best-of-N.</param>
    public EvalResult Evaluate(EvalBenchmark benchmark, EvalSettings settings, ICompletionScorer? scorer = null,
        ITrainingProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (benchmark.Items.Count == 0) throw new ArgumentException($"benchmark {benchmark.Name} has no problems");
        var wall = Stopwatch.StartNew();
        var items = benchmark.Items;
        int k = settings.EffectiveSamples;
        var judge = OutcomeJudge.For(settings.Grader, settings.GradingOptions);
        var prompts = items.Select(item => EvalPrompts.Render(_chatTemplate, item, settings.SystemPrompt)).ToList();

        var graded = new SampleResult?[items.Count * k];
        int done = 0, correct = 0;
        // A live bar redraws every 1 %; log lines come every 10 % or 30 s, never one per sample.
        var pace = progress is null ? null : ProgressPace.For(progress, graded.Length);
        SampleResult GradeOne(GeneratedCompletion c)
        {
            var slot = Slot(c, items.Count, k);
            if (graded[slot] is { } already) return already;
            var grade = judge.Grade(items[c.PromptIndex], c.Text);
            var result = new SampleResult(c.SampleIndex, c.Text, grade.Extracted, grade.Equal, grade.Reason, c.FinishReason, c.TokenCount, null);
            graded[slot] = result;
            done++;
            if (result.Correct) correct++;
            return result;
        }

        progress?.Start($"eval {benchmark.Name}", graded.Length, 1);
        var generation = Stopwatch.StartNew();
        var completions = _generator.Generate(prompts, settings.Sampling, k, c =>
        {
            GradeOne(c);
            if (progress is null || !pace!.ShouldReport(done)) return;
            progress.Update(done, new Dictionary<string, double> { [MetricNames.Accuracy] = (double)correct / done });
        }, cancellationToken);
        generation.Stop();
        if (completions.Count != graded.Length)
            throw new InvalidOperationException($"the generator returned {completions.Count} completions for {items.Count} prompts × {k} samples");
        foreach (var c in completions) GradeOne(c);

        if (scorer is not null) AttachScores(scorer, items, graded, k);

        var problems = new List<ProblemResult>(items.Count);
        int bestOfNMax = scorer is null ? 0 : settings.BestOfN > 0 ? Math.Min(settings.BestOfN, k) : k;
        for (int p = 0; p < items.Count; p++)
        {
            var samples = Enumerable.Range(0, k).Select(s => graded[p * k + s]!).ToList();
            var extracted = samples.Select(s => s.Extracted).ToList();
            var (answer, majCorrect) = judge.Majority(items[p], extracted, k);
            int? best = null;
            (string? Answer, bool Correct)? weighted = null;
            if (scorer is not null)
            {
                var scores = samples.Select(s => s.PrmScore!.Value).ToList();
                best = BestOfN.Select(scores, bestOfNMax);
                weighted = judge.WeightedMajority(items[p], extracted, scores, bestOfNMax);
            }
            problems.Add(new ProblemResult(items[p], samples, answer, majCorrect, best, weighted?.Answer, weighted?.Correct));
        }

        long tokens = graded.Sum(s => (long)s!.TokenCount);
        var result = new EvalResult
        {
            Model = _modelName,
            Benchmark = benchmark.Name,
            Settings = settings,
            SamplesPerProblem = k,
            Problems = problems,
            PassAtK = EvalMetrics.PassAtKLadder(problems, k),
            MajorityAtK = EvalMetrics.MajorityLadder(problems, k, judge),
            BestOfN = scorer is null ? null : EvalMetrics.BestOfNLadder(problems, bestOfNMax),
            WeightedMajority = scorer is null ? null : EvalMetrics.WeightedMajorityLadder(problems, bestOfNMax, judge),
            Domains = EvalMetrics.ByDomain(problems),
            Scorer = scorer?.ToString(),
            MeanResponseTokens = (double)tokens / graded.Length,
            TruncationRate = (double)graded.Count(s => s!.FinishReason == FinishReason.Length) / graded.Length,
            GeneratedTokens = tokens,
            GenerationTime = generation.Elapsed,
            WallTime = wall.Elapsed,
        };
        return result;
    }

    /// <summary>Where completion <paramref name="c"/> goes among prompts × k, ordered by (prompt, sample); a generator's bad index is an error.</summary>
    internal static int Slot(GeneratedCompletion c, int prompts, int k)
    {
        if (c.PromptIndex < 0 || c.PromptIndex >= prompts || c.SampleIndex < 0 || c.SampleIndex >= k)
            throw new InvalidOperationException($"the generator returned prompt {c.PromptIndex} sample {c.SampleIndex}, outside {prompts} prompts × {k} samples");
        return c.PromptIndex * k + c.SampleIndex;
    }

    private static void AttachScores(ICompletionScorer scorer, IReadOnlyList<Grading.Datasets.BenchmarkItem> items, SampleResult?[] graded, int k)
    {
        var pairs = new (string Problem, string Response)[graded.Length];
        for (int i = 0; i < graded.Length; i++) pairs[i] = (EvalPrompts.UserMessage(items[i / k]), graded[i]!.Text);
        var scores = scorer.Score(pairs);
        if (scores.Length != pairs.Length)
            throw new InvalidOperationException($"the scorer returned {scores.Length} scores for {pairs.Length} responses");
        for (int i = 0; i < graded.Length; i++) graded[i] = graded[i]! with { PrmScore = scores[i] };
    }
}
