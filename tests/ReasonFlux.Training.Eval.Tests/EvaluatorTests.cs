using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rollout;
using ReasonFlux.Runs;
using ReasonFlux.Tokenizers;

namespace ReasonFlux.Training.Eval.Tests;

public class EvaluatorTests
{
    private static readonly ChatTemplate ChatMl = ChatTemplate.BuiltIn(ChatTemplate.ChatMlName);

    private static readonly EvalBenchmark Toy = new("toy",
    [
        new BenchmarkItem("p0", "What is 1+1?", "2", GradingTask.Math),
        new BenchmarkItem("p1", "Half of one?", "\\frac{1}{2}", GradingTask.Math),
        new BenchmarkItem("p2", "Five plus five?", "10", GradingTask.Math),
    ], "toy");

    /// <summary>
    /// p0: correct 2 of 4 (one truncated without an answer); p1: 0.5 and 1/2 are right, 7 twice ties them;
    /// p2: only the last sample is right and 4 wins the vote.
    /// </summary>
    private static readonly string[][] Texts =
    [
        ["so \\boxed{2}", "\\boxed{3}", "thus \\boxed{2}", "I think it is [cut]"],
        ["\\boxed{0.5}", "\\boxed{1/2}", "\\boxed{7}", "\\boxed{7}"],
        ["\\boxed{3}", "\\boxed{4}", "\\boxed{4}", "\\boxed{10}"],
    ];

    private static ScriptedGenerator Scripted() => new((p, s) => Texts[p][s]);

    private static EvalSettings Sampled(int k, int bestOfN = 0) => new()
    {
        SamplesPerProblem = k,
        BestOfN = bestOfN,
        Sampling = new SamplingParams { Temperature = 1.0, MaxNewTokens = 64, Seed = 7 },
    };

    [Fact]
    public void Evaluate_ScriptedCompletions_MetricsMatchHandComputation()
    {
        var generator = Scripted();
        var result = new Evaluator(generator, ChatMl, "scripted").Evaluate(Toy, Sampled(4));

        Assert.Equal([2, 2, 1], result.Problems.Select(p => p.CorrectCount));
        Assert.Equal(5.0 / 12, result.PassAt1, 12);
        Assert.Equal([1, 2, 4], result.PassAtK.Keys);
        // pass@2 = 1 - C(n-c,2)/C(4,2): 5/6, 5/6, 1/2.
        Assert.Equal((5.0 / 6 + 5.0 / 6 + 0.5) / 3, result.PassAtK[2], 12);
        Assert.Equal(1.0, result.PassAtK[4], 12);
        // maj@k: p0 votes 2, p1's {0.5, 1/2} cluster ties 7 and came first, p2 votes 3 (k ≤ 2) then 4.
        Assert.Equal(2.0 / 3, result.MajorityAtK[1], 12);
        Assert.Equal(2.0 / 3, result.MajorityAtK[2], 12);
        Assert.Equal(2.0 / 3, result.MajorityAtK[4], 12);
        Assert.Equal(["2", "0.5", "4"], result.Problems.Select(p => p.MajorityAnswer));
        Assert.Null(result.BestOfN);
        Assert.Equal(1.0 / 12, result.TruncationRate, 12);
        var chars = Texts.SelectMany(t => t).Sum(t => t.Length);
        Assert.Equal(chars, result.GeneratedTokens);
        Assert.Equal(chars / 12.0, result.MeanResponseTokens, 12);
        Assert.Equal("scripted", result.Model);
        Assert.Equal(4, result.SamplesPerProblem);

        var p0 = result.Problems[0].Samples;
        Assert.Equal([true, false, true, false], p0.Select(s => s.Correct));
        Assert.Equal(["2", "3", "2", null], p0.Select(s => s.Extracted));
        Assert.Equal(FinishReason.Length, p0[3].FinishReason);
        Assert.Equal(GradeReason.NoAnswer, p0[3].Reason);
    }

    [Fact]
    public void Evaluate_AllProblemsTimesK_OneGenerateCall()
    {
        var generator = Scripted();
        new Evaluator(generator, ChatMl, "scripted").Evaluate(Toy, Sampled(4));
        var call = Assert.Single(generator.Calls);
        Assert.Equal(3, call.Prompts.Count);
        Assert.Equal(4, call.Samples);
        Assert.Equal(7, call.Sampling.Seed);
        Assert.Equal(1.0, call.Sampling.Temperature);
    }

    [Fact]
    public void Evaluate_Metrics_FlatDictionaryWithPrefix()
    {
        var result = new Evaluator(Scripted(), ChatMl, "scripted").Evaluate(Toy, Sampled(4));
        var m = result.ToMetrics(result.MetricPrefix);
        Assert.Equal(result.PassAt1, m["eval/toy/accuracy"]);
        Assert.Equal(result.PassAtK[2], m["eval/toy/pass@2"]);
        Assert.Equal(result.MajorityAtK[4], m["eval/toy/maj@4"]);
        Assert.Equal(result.TruncationRate, m["eval/toy/" + MetricNames.ResponseClippedRatio]);
        Assert.Equal(result.MeanResponseTokens, m["eval/toy/" + MetricNames.ResponseLengthMean]);
        Assert.DoesNotContain(m.Keys, k => k.Contains("bon@"));
    }

    [Fact]
    public void Evaluate_WithScorer_BestOfNPicksHighestScoreTiesFirstNaNNever()
    {
        double[][] scores =
        [
            [0.1, 0.9, 0.5, double.NaN], // N=1 → s0 (right), N=2,4 → s1 (wrong)
            [0.3, 0.3, 0.2, 0.1],        // ties go to the earliest: s0 (right) for every N
            [0.0, 0.1, 0.2, 0.8],        // N=1 s0, N=2 s1 (both wrong), N=4 s3 (right)
        ];
        var scorer = new TableScorer(scores, 4);
        var result = new Evaluator(Scripted(), ChatMl, "scripted").Evaluate(Toy, Sampled(4), scorer);

        Assert.NotNull(result.BestOfN);
        Assert.Equal([1, 2, 4], result.BestOfN!.Keys);
        Assert.Equal(2.0 / 3, result.BestOfN[1], 12);
        Assert.Equal(1.0 / 3, result.BestOfN[2], 12);
        Assert.Equal(2.0 / 3, result.BestOfN[4], 12);
        Assert.Equal([1, 0, 3], result.Problems.Select(p => p.BestOfNIndex));
        Assert.Equal(0.9, result.Problems[0].Samples[1].PrmScore);
        Assert.Equal("table", result.Scorer);
        Assert.Equal(12, scorer.Seen.Count);
        Assert.Equal(("Five plus five?", "\\boxed{10}"), scorer.Seen[11]);
        Assert.Equal(result.BestOfN[2], result.ToMetrics()["bon@2"]);
    }

    [Fact]
    public void Evaluate_WithScorer_PrmWeightedMajoritySumsScoresPerAnswerCluster()
    {
        double[][] scores =
        [
            [0.5, 0.9, 0.5, double.NaN], // N=1 → 2 (right); N=2 → 3 (0.9 > 0.5); N=4 → 2 (0.5 + 0.5 > 0.9) while Best-of-4 picks 3
            [0.3, 0.3, 0.2, 0.1],        // {0.5, 1/2} cluster 0.6 > 7's 0.3: right for every N
            [0.0, 0.1, 0.2, 0.8],        // N=1 → 3, N=2 → 4 (both wrong); N=4 → 10 (0.8 > 4's 0.3) although plain maj@4 says 4
        ];
        var result = new Evaluator(Scripted(), ChatMl, "scripted").Evaluate(Toy, Sampled(4), new TableScorer(scores, 4));
        Assert.Equal([1, 2, 4], result.WeightedMajority!.Keys);
        Assert.Equal(2.0 / 3, result.WeightedMajority[1], 12);
        Assert.Equal(1.0 / 3, result.WeightedMajority[2], 12);
        Assert.Equal(1.0, result.WeightedMajority[4], 12);
        Assert.Equal(2.0 / 3, result.BestOfN![4], 12);
        Assert.Equal(2.0 / 3, result.MajorityAtK[4], 12);
        Assert.Equal(["2", "0.5", "10"], result.Problems.Select(p => p.WeightedMajorityAnswer));
        Assert.Equal(1.0, result.ToMetrics()["prm_maj@4"]);
        var json = EvalReport.ProblemJson(result.Problems[2]);
        Assert.Equal("10", (string)json["prm_majority_answer"]!);
        Assert.Contains("PRM-weighted maj@N", EvalSummaryTable.Format([result]));
    }

    [Fact]
    public void Evaluate_WithoutScorer_NoWeightedMajority()
    {
        var result = new Evaluator(Scripted(), ChatMl, "scripted").Evaluate(Toy, Sampled(4));
        Assert.Null(result.WeightedMajority);
        Assert.DoesNotContain(result.ToMetrics().Keys, k => k.StartsWith("prm_maj", StringComparison.Ordinal));
        Assert.All(result.Problems, p => Assert.Null(p.WeightedMajorityCorrect));
    }

    [Fact]
    public void Evaluate_PlainLogProgress_ALineEveryTenPercentNotPerSample()
    {
        var items = Enumerable.Range(0, 10).Select(i => new BenchmarkItem($"q{i}", $"{i}+0?", $"{i}", GradingTask.Math)).ToList();
        var bench = new EvalBenchmark("ten", items, "ten");
        var progress = new RecordingProgress();
        new Evaluator(new ScriptedGenerator((p, s) => $"\\boxed{{{p}}}"), ChatMl, "m").Evaluate(bench, Sampled(4), progress: progress);
        Assert.Equal([4L, 8, 12, 16, 20, 24, 28, 32, 36, 40], progress.Updates.Select(u => u.Step));
        Assert.Equal(1.0, progress.Updates[^1].Metrics[MetricNames.Accuracy]);
    }

    [Fact]
    public void Evaluate_BestOfNLargerThanN_DrawsBestOfNSamplesAndCapsTheLadder()
    {
        var generator = Scripted();
        var scorer = new TableScorer([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], 4);
        var result = new Evaluator(generator, ChatMl, "scripted").Evaluate(Toy, Sampled(1, bestOfN: 4), scorer);
        Assert.Equal(4, generator.Calls[0].Samples);
        Assert.Equal(1.0, result.BestOfN![4], 12);

        var capped = new Evaluator(Scripted(), ChatMl, "scripted").Evaluate(Toy, Sampled(4, bestOfN: 2), new TableScorer([[0, 1, 0, 0], [0, 1, 0, 0], [0, 0.5, 0, 1]], 4));
        Assert.Equal([1, 2], capped.BestOfN!.Keys);
        Assert.Equal([1, 1, 1], capped.Problems.Select(p => p.BestOfNIndex));
    }

    [Fact]
    public void Evaluate_ScorerReturnsWrongCount_Throws()
    {
        var bad = new DelegateCompletionScorer(items => new double[items.Count - 1], "short");
        var e = Assert.Throws<InvalidOperationException>(() => new Evaluator(Scripted(), ChatMl, "m").Evaluate(Toy, Sampled(4), bad));
        Assert.Contains("11 scores for 12 responses", e.Message);
    }

    [Fact]
    public void Evaluate_DefaultSystemPrompt_RenderedAsSystemAndUserTurnWithGenerationPrompt()
    {
        var generator = Scripted();
        new Evaluator(generator, ChatMl, "m").Evaluate(Toy, Sampled(4));
        var prompt = generator.Calls[0].Prompts[0];
        Assert.Equal("<|im_start|>system\n" + EvalPrompts.DefaultMathSystemPrompt + "<|im_end|>\n<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n", prompt);
        Assert.Equal("Please reason step by step, and put your final answer within \\boxed{}.", EvalPrompts.DefaultMathSystemPrompt);
    }

    [Fact]
    public void Evaluate_CustomOrEmptySystemPrompt_Honoured()
    {
        var custom = Scripted();
        new Evaluator(custom, ChatMl, "m").Evaluate(Toy, Sampled(4) with { SystemPrompt = "Be brief." });
        Assert.StartsWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 1+1?", custom.Calls[0].Prompts[0]);

        var none = Scripted();
        new Evaluator(none, ChatMl, "m").Evaluate(Toy, Sampled(4) with { SystemPrompt = "" });
        Assert.StartsWith("<|im_start|>user\nWhat is 1+1?", none.Calls[0].Prompts[0]);
    }

    [Fact]
    public void Evaluate_ChoiceItems_SimpleEvalsPromptNoSystemTurnLetterGrading()
    {
        var bench = new EvalBenchmark("mc", [new BenchmarkItem("q1", "Which?\n\nA) x\nB) y\nC) z\nD) w", "C", GradingTask.Choice)], "mc");
        var generator = new ScriptedGenerator((_, s) => s == 0 ? "Reasoning...\nAnswer: C" : "**Answer: B**");
        var result = new Evaluator(generator, ChatMl, "m").Evaluate(bench, Sampled(2));
        var prompt = generator.Calls[0].Prompts[0];
        Assert.StartsWith("<|im_start|>user\n" + GpqaDiamond.Instruction + "\n\nWhich?\n\nA) x", prompt);
        Assert.Equal([true, false], result.Problems[0].Samples.Select(s => s.Correct));
        Assert.Equal(["C", "B"], result.Problems[0].Samples.Select(s => s.Extracted));
        Assert.Equal(0.5, result.PassAt1);
        Assert.Equal(1.0, result.MajorityAtK[1]);
    }

    [Fact]
    public void Evaluate_StrictBoxedGrader_ExactStringOnlyInTheTail()
    {
        var bench = new EvalBenchmark("s", [new BenchmarkItem("a", "q", "\\frac{1}{2}", GradingTask.Math)], "s");
        string[] texts = ["\\boxed{\\frac{1}{2}}", "\\boxed{0.5}", "\\boxed{\\frac{1}{2}}" + new string('.', 120), "\\boxed{\\frac{1}{2}"];
        var generator = new ScriptedGenerator((_, s) => texts[s]);
        var settings = Sampled(4) with { Grader = OutcomeGrader.StrictBoxed };
        var strict = new Evaluator(generator, ChatMl, "m").Evaluate(bench, settings);
        Assert.Equal([true, false, false, false], strict.Problems[0].Samples.Select(s => s.Correct));
        Assert.Equal([GradeReason.Equivalent, GradeReason.NotEquivalent, GradeReason.NoAnswer, GradeReason.UnterminatedBox],
            strict.Problems[0].Samples.Select(s => s.Reason));
        Assert.Equal("\\frac{1}{2}", strict.Problems[0].MajorityAnswer);

        var math = new Evaluator(new ScriptedGenerator((_, s) => texts[s]), ChatMl, "m").Evaluate(bench, Sampled(4));
        Assert.Equal([true, true, true, false], math.Problems[0].Samples.Select(s => s.Correct));
    }

    [Fact]
    public void Evaluate_CancelledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new Evaluator(Scripted(), ChatMl, "m").Evaluate(Toy, Sampled(4), cancellationToken: cts.Token));
    }

    [Fact]
    public void Evaluate_GeneratorReturnsTooFew_Throws()
    {
        var shortGenerator = new TruncatingGenerator();
        var e = Assert.Throws<InvalidOperationException>(() => new Evaluator(shortGenerator, ChatMl, "m").Evaluate(Toy, Sampled(4)));
        Assert.Contains("3 prompts × 4 samples", e.Message);
    }

    [Fact]
    public void Evaluate_Progress_StartedPerSampleAndFinishedWithAccuracy()
    {
        var progress = new RecordingProgress();
        var result = new Evaluator(Scripted(), ChatMl, "m").Evaluate(Toy, Sampled(4), progress: progress);
        Assert.Equal(("eval toy", 12L, 1L), progress.Started);
        var (step, metrics) = progress.Updates[^1];
        Assert.Equal(12, step);
        Assert.Equal(result.PassAt1, metrics[MetricNames.Accuracy], 12);
        Assert.True(progress.Updates.Select(u => u.Step).SequenceEqual(progress.Updates.Select(u => u.Step).Order()));
    }

    [Fact]
    public void Evaluate_InvalidSettings_ThrowArgumentErrors()
    {
        var evaluator = new Evaluator(Scripted(), ChatMl, "m");
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluator.Evaluate(Toy, Sampled(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluator.Evaluate(Toy, Sampled(2) with { Sampling = new SamplingParams { TopP = 0 } }));
    }

    [Fact]
    public void Ladder_PowersOfTwoPlusMax()
    {
        Assert.Equal([1], EvalMetrics.Ladder(1));
        Assert.Equal([1, 2, 4, 8, 16], EvalMetrics.Ladder(16));
        Assert.Equal([1, 2, 4, 6], EvalMetrics.Ladder(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalMetrics.Ladder(0));
    }

    private sealed class TruncatingGenerator : ICompletionGenerator
    {
        public IReadOnlyList<GeneratedCompletion> Generate(IReadOnlyList<string> prompts, SamplingParams sampling, int samplesPerPrompt,
            Action<GeneratedCompletion>? onFinished = null, CancellationToken cancellationToken = default) =>
            [new GeneratedCompletion(0, 0, "\\boxed{2}", 3, FinishReason.Stop)];
    }

    private sealed class RecordingProgress : ITrainingProgress
    {
        public (string Stage, long Total, long First) Started { get; private set; }
        public List<(long Step, IReadOnlyDictionary<string, double> Metrics)> Updates { get; } = [];
        public void Start(string stage, long totalSteps, long firstStep) => Started = (stage, totalSteps, firstStep);
        public void Update(long step, IReadOnlyDictionary<string, double> metrics) => Updates.Add((step, metrics));
        public void Finish() { }
        public void Dispose() { }
    }
}
