using System.Text.Json.Nodes;
using ReasonFlux.Grading;
using ReasonFlux.Grading.Datasets;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Tasks.Arithmetic;
using ReasonFlux.Training.Label;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Tests;

/// <summary>Labelling one sampled completion against "Compute 74 + 3 + 1 - 5." (chain 77, 78, 73).</summary>
public class SampleLabellerTests
{
    private const string Problem = "Compute 74 + 3 + 1 - 5.";

    private static readonly LabelProblem Chain = new(new BenchmarkItem("p", Problem, "73", GradingTask.Math), ArithmeticProblemParser.Parse(Problem));

    private static string Completion(string answer, params string[] steps) => $"<think>\n{string.Join("\n\n", steps)}\n</think>\n\n\\boxed{{{answer}}}";

    private static LabelledSample Labelled(string completion, StepLabels labels)
    {
        var label = SampleLabeller.Label(Chain, completion, labels);
        Assert.Null(label.Dropped);
        return label.Sample!;
    }

    [Fact]
    public void WrongSecondStep_FirstErrorLeavesTheRestUnlabelled_AllLabelsEveryStep()
    {
        var completion = Completion("74", "74 + 3 = 77", "77 + 1 = 79", "79 - 5 = 74");
        var first = Labelled(completion, StepLabels.FirstError);
        Assert.Equal(["74 + 3 = 77", "77 + 1 = 79", "79 - 5 = 74", "\\boxed{74}"], first.Steps);
        Assert.Equal([1, 0, null, null], first.StepTargets);
        Assert.Null(first.FinalTarget);
        Assert.False(first.Clean);

        var all = Labelled(completion, StepLabels.All);
        Assert.Equal([1, 0, 0, 0], all.StepTargets);
        Assert.Equal(0, all.FinalTarget);
    }

    [Theory]
    [InlineData("73", 1)] // clean: every target is 1
    [InlineData("72", 0)] // a wrong boxed answer after right steps: the response and trajectory are 0
    public void RightSteps_ResponseAndTrajectoryTargetsFollowTheBoxedAnswer(string answer, int expected)
    {
        foreach (var labels in Enum.GetValues<StepLabels>())
        {
            var s = Labelled(Completion(answer, "74 + 3 = 77", "77 + 1 = 78", "78 - 5 = 73"), labels);
            Assert.Equal([1, 1, 1, expected], s.StepTargets);
            Assert.Equal(expected, s.FinalTarget);
            Assert.Equal(expected == 1, s.Clean);
            Assert.Equal(expected == 1, s.ResponseCorrect);
            Assert.Equal(expected == 1 ? "correct" : "wrong", (string)s.ToJson(Problem, "p", 0)["quality"]!);
        }
    }

    [Fact]
    public void RightStepsButOneMissing_IsNotClean_EvenWithTheRightAnswer()
    {
        var s = Labelled(Completion("73", "74 + 3 = 77", "77 + 1 = 78"), StepLabels.FirstError);
        Assert.Equal([1, 1, 0], s.StepTargets);
        Assert.Equal(0, s.FinalTarget);
        Assert.True(s.ResponseCorrect);
    }

    [Fact]
    public void ExtraStepAfterTheChain_IsTheFirstError()
    {
        var s = Labelled(Completion("74", "74 + 3 = 77", "77 + 1 = 78", "78 - 5 = 73", "73 + 1 = 74"), StepLabels.FirstError);
        Assert.Equal([1, 1, 1, 0, null], s.StepTargets);
        Assert.Null(s.FinalTarget);
    }

    [Theory]
    [InlineData("<think>\n74 + 3 = 77\n\n77 + 1 = 78", DropReason.NoThinkEnd)]
    [InlineData("<think>\n \n\n</think>\n\n\\boxed{73}", DropReason.NoSteps)]
    [InlineData("<think>\n74 + 3 = 77\n</think>\n\n  \n", DropReason.NoResponse)]
    public void UnusableSample_IsDroppedAndCounted(string completion, DropReason reason)
    {
        var label = SampleLabeller.Label(Chain, completion, StepLabels.FirstError);
        Assert.Null(label.Sample);
        Assert.Equal(reason, label.Dropped);

        var summary = new LabelSummary(problems: 1, samplesPerProblem: 2, StepLabels.FirstError);
        summary.Add(label, answerCorrect: false, truncated: reason == DropReason.NoThinkEnd);
        summary.Add(SampleLabeller.Label(Chain, Completion("73", "74 + 3 = 77", "77 + 1 = 78", "78 - 5 = 73"), StepLabels.FirstError), answerCorrect: true, truncated: false);
        var json = summary.ToJson(seconds: 1);
        Assert.Equal(1, (int)json["dropped"]!);
        Assert.Equal(1, (int)json["dropped_by_reason"]![LabelSummary.ReasonName(reason)]!);
        Assert.Equal(1, (int)json["written"]!);
        Assert.Equal(0.5, (double)json["answer_accuracy"]!);
        Assert.Equal(3, (int)json["step_targets"]!["right"]!);
        Assert.Contains("1 dropped", summary.Describe());
    }

    [Fact]
    public void Lines_AreAPrmStagesTrainingData()
    {
        var prm = new PrmDataOptions();
        foreach (var (completion, n) in new[] { (Completion("74", "74 + 3 = 77", "77 + 1 = 79", "79 - 5 = 74"), 4), (Completion("73", "74 + 3 = 77", "77 + 1 = 78", "78 - 5 = 73"), 4) })
            foreach (var labels in Enum.GetValues<StepLabels>())
            {
                // Through the text of a line, as the prm stage reads the file.
                var json = JsonNode.Parse(SampleLabeller.Label(Chain, completion, labels).Sample!.ToJson(Problem, "p", 3).ToJsonString())!.AsObject();
                var (question, steps, targets, final) = PrmTrainingSet.ReadFields(new JsonlRecord("prm.jsonl", 1, json), prm);
                Assert.Equal(Problem, question);
                Assert.Equal(n, steps.Length);
                Assert.Equal(n, targets.Length);
                Assert.Equal(3, (int)json["sample"]!);
                Assert.Equal(labels == StepLabels.All || targets.All(t => t == 1) ? targets[^1] : null, final);
            }
    }
}
