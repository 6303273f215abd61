using System.Text.Json.Nodes;
using ReasonFlux.Rewards;
using ReasonFlux.Tasks.Arithmetic;

namespace ReasonFlux.Tasks.Tests;

public sealed class ArithmeticTaskTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-tasks-" + Guid.NewGuid().ToString("N"));
    private static readonly ArithmeticTaskShape Shape = new() { MinOperations = 2, MaxOperations = 3, MinOperand = 1, MaxOperand = 9, MaxValue = 99 };
    private static readonly QuickstartTaskSizes Sizes = new() { Sft = 60, Grpo = 20, Eval = 20, Pool = 30, Prm = 10 };

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static List<JsonObject> Read(string path) => File.ReadLines(path).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Problem_TextStepsAndAnswer_FollowTheChain()
    {
        var p = new ArithmeticProblem(47, [new('+', 8), new('-', 5), new('+', 9)]);
        Assert.Equal("Compute 47 + 8 - 5 + 9.", p.Text);
        Assert.Equal(59, p.Answer);
        Assert.Equal(["47 + 8 = 55", "55 - 5 = 50", "50 + 9 = 59"], p.CorrectSteps().Select(s => s.ToString()));
    }

    [Fact]
    public void Generator_SameSeedSameProblems_ValuesStayInRange()
    {
        var a = new ArithmeticProblemGenerator(Shape, 5).Take(200);
        var b = new ArithmeticProblemGenerator(Shape, 5).Take(200);
        var c = new ArithmeticProblemGenerator(Shape, 6).Take(200);
        Assert.Equal(a.Select(p => p.Key), b.Select(p => p.Key));
        Assert.NotEqual(a.Select(p => p.Key), c.Select(p => p.Key));
        Assert.Equal(200, a.Select(p => p.Key).Distinct().Count());
        Assert.All(a, p =>
        {
            Assert.InRange(p.Operations.Count, 2, 3);
            Assert.All(p.Operations, o => Assert.InRange(o.Operand, 1, 9));
            Assert.All(p.RunningValues, v => Assert.InRange(v, 0, 99));
        });
        Assert.Contains(a, p => p.Operations.Any(o => o.Operator == '+'));
        Assert.Contains(a, p => p.Operations.Any(o => o.Operator == '-'));
    }

    [Fact]
    public void Generator_MinValueAndNoCarries_KeepTwoDigitsAndDigitwiseSteps()
    {
        var shape = Shape with { MinOperations = 3, MaxOperations = 3, MinValue = 10, Carries = false };
        var problems = new ArithmeticProblemGenerator(shape, 3).Take(300);
        Assert.All(problems, p =>
        {
            Assert.All(p.RunningValues, v => Assert.InRange(v, 10, 99));
            Assert.All(p.CorrectSteps(), s =>
            {
                if (s.Operator == '+') Assert.True(s.Left % 10 + s.Operand <= 9, $"{s} carries");
                else Assert.True(s.Left % 10 >= s.Operand, $"{s} borrows");
            });
        });
        Assert.Contains(problems, p => p.Operations.Any(o => o.Operator == '+'));
        Assert.Contains(problems, p => p.Operations.Any(o => o.Operator == '-'));

        var carrying = new ArithmeticProblemGenerator(shape with { Carries = true }, 3).Take(300);
        Assert.Contains(carrying, p => p.CorrectSteps().Any(s => s.Operator == '+' ? s.Left % 10 + s.Operand > 9 : s.Left % 10 < s.Operand));
    }

    [Fact]
    public void Shape_MinValueAboveMaxValue_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ArithmeticProblemGenerator(Shape with { MinValue = 100 }, 1));
        Assert.Contains("min_value", e.Message);
    }

    [Fact]
    public void Generator_TooFewDistinctProblems_SaysSo()
    {
        var tiny = new ArithmeticTaskShape { MinOperations = 1, MaxOperations = 1, MinOperand = 1, MaxOperand = 1, MaxValue = 2 };
        var e = Assert.Throws<InvalidOperationException>(() => new ArithmeticProblemGenerator(tiny, 1).Take(50));
        Assert.Contains("distinct", e.Message);
    }

    [Fact]
    public void StepChecker_LabelsAgainstTheTrueChain()
    {
        var p = new ArithmeticProblem(47, [new('+', 8), new('-', 5)]);
        Assert.Equal([true, true], StepChecker.Label(p, ["47 + 8 = 55", "55 - 5 = 50"]));
        Assert.Equal([false, true], StepChecker.Label(p, ["47 + 8 = 54", "55 - 5 = 50"]));
        // Right arithmetic from a wrong value does not lead to the answer.
        Assert.Equal([false, false], StepChecker.Label(p, ["47 + 8 = 54", "54 - 5 = 49"]));
        Assert.Equal([false, false, false], StepChecker.Label(p, ["47 - 8 = 55", "so 50", "50 + 1 = 51"]));
        Assert.Null(StepChecker.Parse("the answer is 5"));
        Assert.Equal(new ArithmeticStep(7, '-', 3, 4), StepChecker.Parse(" 7 - 3 = 4. "));
    }

    [Theory]
    [InlineData(TraceQuality.Correct)]
    [InlineData(TraceQuality.FlawedRightAnswer)]
    [InlineData(TraceQuality.Wrong)]
    public void TraceWriter_QualityMatchesTheLabels(TraceQuality quality)
    {
        var writer = new TraceWriter(new Random(3));
        foreach (var p in new ArithmeticProblemGenerator(Shape, 9).Take(100))
        {
            var t = writer.Write(p, quality);
            var labels = StepChecker.Label(p, t.StepTexts);
            Assert.Equal(quality, t.Quality);
            Assert.Equal(quality != TraceQuality.Wrong, t.AnswerCorrect);
            Assert.Equal(quality == TraceQuality.Correct, labels.All(l => l));
            Assert.All(t.Steps, s => Assert.True(s.Result >= 0, $"negative value in {t.Trajectory}"));
            if (quality == TraceQuality.Wrong)
                Assert.All(t.Steps.Zip(t.Steps.Skip(1)), pair => Assert.Equal(pair.First.Result, pair.Second.Left)); // the error carries on
        }
    }

    [Fact]
    public void Trace_CompletionIsWhatThePrmSplits()
    {
        var p = new ArithmeticProblem(10, [new('+', 5), new('-', 2)]);
        var t = new TraceWriter(new Random(1)).Correct(p);
        Assert.Equal(ThinkingResponse.Compose(t.Trajectory, t.Response), t.Completion);
        var sample = PrmSample.FromResponse(p.Text, t.Completion, ArithmeticTrace.StepSeparator);
        Assert.Equal(["10 + 5 = 15", "15 - 2 = 13"], sample.Steps);
        Assert.Equal("\\boxed{13}", sample.Answer);
    }

    [Fact]
    public void Writer_FilesAreDisjointDeterministicAndLabelled()
    {
        var summary = QuickstartTaskWriter.Write(_dir, 11, Shape, Sizes);
        Assert.Equal(20, summary.Lines[QuickstartTaskWriter.EvalFile]);
        Assert.Equal(30, summary.Lines[QuickstartTaskWriter.PrmFile]);
        Assert.Equal(10, summary.PoolQualities[TraceQuality.Correct]);
        var eval = Read(Path.Combine(_dir, QuickstartTaskWriter.EvalFile)).Select(r => (string)r["problem"]!).ToHashSet();
        var train = Read(Path.Combine(_dir, QuickstartTaskWriter.SftFile)).Select(r => (string)r["prompt"]!)
            .Concat(Read(Path.Combine(_dir, QuickstartTaskWriter.GrpoFile)).Select(r => (string)r["problem"]!))
            .Concat(Read(Path.Combine(_dir, QuickstartTaskWriter.PoolFile)).Select(r => (string)r["question"]!))
            .Concat(Read(Path.Combine(_dir, QuickstartTaskWriter.PrmFile)).Select(r => (string)r["question"]!)).ToList();
        Assert.DoesNotContain(train, eval.Contains);

        foreach (var r in Read(Path.Combine(_dir, QuickstartTaskWriter.PrmFile)))
        {
            var steps = r["steps"]!.AsArray();
            var targets = r["step_targets"]!.AsArray().Select(x => (int)x!).ToList();
            Assert.Equal(steps.Count, targets.Count);
            Assert.StartsWith("\\boxed{", (string)steps[^1]!);
            Assert.Equal((int)r["final_target"]!, targets[^1]);
            Assert.Equal((string)r["quality"]! == "correct" ? 1 : 0, (int)r["final_target"]!);
        }

        var again = Path.Combine(_dir, "again");
        QuickstartTaskWriter.Write(again, 11, Shape, Sizes);
        foreach (var file in new[] { QuickstartTaskWriter.EvalFile, QuickstartTaskWriter.SftFile, QuickstartTaskWriter.PoolFile, QuickstartTaskWriter.PrmFile })
            Assert.Equal(File.ReadAllText(Path.Combine(_dir, file)), File.ReadAllText(Path.Combine(again, file)));
    }

    [Fact]
    public void Writer_PrmPolicy_WritesDistinctProblemsLast_OtherFilesUnchanged()
    {
        var without = Path.Combine(_dir, "without");
        var with = Path.Combine(_dir, "with");
        var plain = QuickstartTaskWriter.Write(without, 11, Shape, Sizes);
        var summary = QuickstartTaskWriter.Write(with, 11, Shape, Sizes with { PrmPolicy = 25 });

        Assert.False(File.Exists(Path.Combine(without, QuickstartTaskWriter.PrmProblemsFile)));
        Assert.DoesNotContain(QuickstartTaskWriter.PrmProblemsFile, plain.Lines.Keys);
        Assert.Equal(25, summary.Lines[QuickstartTaskWriter.PrmProblemsFile]);
        foreach (var file in new[] { QuickstartTaskWriter.EvalFile, QuickstartTaskWriter.SftFile, QuickstartTaskWriter.GrpoFile, QuickstartTaskWriter.PoolFile, QuickstartTaskWriter.PrmFile })
            Assert.Equal(File.ReadAllBytes(Path.Combine(without, file)), File.ReadAllBytes(Path.Combine(with, file)));

        var policy = Read(Path.Combine(with, QuickstartTaskWriter.PrmProblemsFile));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"prm-policy-{i}"), policy.Select(r => (string)r["id"]!));
        foreach (var r in policy)
            Assert.Equal(ArithmeticProblemParser.Parse((string)r["problem"]!).Answer.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)r["answer"]!);
        var others = Read(Path.Combine(with, QuickstartTaskWriter.EvalFile)).Select(r => (string)r["problem"]!)
            .Concat(Read(Path.Combine(with, QuickstartTaskWriter.SftFile)).Select(r => (string)r["prompt"]!))
            .Concat(Read(Path.Combine(with, QuickstartTaskWriter.GrpoFile)).Select(r => (string)r["problem"]!))
            .Concat(Read(Path.Combine(with, QuickstartTaskWriter.PoolFile)).Select(r => (string)r["question"]!))
            .Concat(Read(Path.Combine(with, QuickstartTaskWriter.PrmFile)).Select(r => (string)r["question"]!)).ToHashSet();
        var policyProblems = policy.Select(r => (string)r["problem"]!).ToList();
        Assert.Equal(25, policyProblems.Distinct().Count());
        Assert.DoesNotContain(policyProblems, others.Contains);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(with, QuickstartTaskWriter.ManifestFile)))!;
        Assert.Equal(25, (int)manifest["lines"]![QuickstartTaskWriter.PrmProblemsFile]!);
    }
}
