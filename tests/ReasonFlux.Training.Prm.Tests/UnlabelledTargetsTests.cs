using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Models.Heads;
using ReasonFlux.Models.Qwen2;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Torch;
using ReasonFlux.Training.Prm;

namespace ReasonFlux.Training.Prm.Tests;

/// <summary>
/// A null step or trajectory target is unlabelled (PRM800K labels nothing after a solution's first wrong step;
/// prm-data writes final_target null when it has none): it has no readout position and adds nothing to the loss,
/// and the labelled steps of a line are averaged over their own count.
/// </summary>
public class UnlabelledTargetsTests
{
    private static readonly string[] Steps = ["1 + 2 = 3", "3 + 1 = 5", "\\boxed{5}"];

    [Fact]
    public void NullTargets_HaveNoPosition_AndTheStepTermAveragesTheLabelledSteps()
    {
        using var dir = new TempDir();
        var (baseDir, encoder) = TinyBase(dir, PrmHeadKind.TwoClass);
        var lines = new (JsonNode?[] Steps, JsonNode? Final)[]
        {
            ([1, 0, 1], 1),          // every target
            ([1, null, 1], null),    // the middle step and the trajectory unlabelled
            ([1, null, null], null), // one labelled step each ...
            ([null, 0, null], null),
            ([null, null, 1], null),
            ([null, null, null], 1), // the trajectory alone
        };
        var path = Path.Combine(dir.Path, "prm.jsonl");
        File.WriteAllLines(path, lines.Select(l => new JsonObject
        {
            ["question"] = "Compute 1 + 2 + 2.",
            ["steps"] = new JsonArray(Steps.Select(s => (JsonNode?)s).ToArray()),
            ["step_targets"] = new JsonArray(l.Steps.Select(t => t?.DeepClone()).ToArray()),
            ["final_target"] = l.Final?.DeepClone(),
        }.ToJsonString()));
        var set = PrmTrainingSet.Load(new PrmDataOptions { Train = path, MaxSeqLen = 256 }, PrmHead.TwoClass, encoder);

        var all = set.Examples[0];
        Assert.Equal(3, all.StepPositions.Length);
        Assert.Equal([all.StepPositions[0], all.StepPositions[2]], set.Examples[1].StepPositions);
        Assert.Equal([1f, 1f], set.Examples[1].StepTargets);
        Assert.Null(set.Examples[1].FinalTarget);
        Assert.Equal(all.FinalPosition, set.Examples[1].FinalPosition);
        Assert.Empty(set.Examples[5].StepPositions);

        var (model, _) = PrmModelFolder.Create(baseDir, PrmHead.TwoClass, PrmReadout.Paper, ScalarType.Float32, Device.CPU, seed: 3);
        using (model)
        using (torch.no_grad())
        {
            double Loss(int line, double lambdaFinal)
            {
                using var scope = torch.NewDisposeScope();
                var objective = new PrmObjective(new PrmLossOptions { LambdaStep = 1, LambdaFinal = lambdaFinal, Loss = PrmLoss.Bce }, encoder.PadTokenId, Device.CPU);
                return objective.Compute(model, [set.Examples[line]]).Loss.ToDouble();
            }
            double l0 = Loss(2, 1), l1 = Loss(3, 1), l2 = Loss(4, 1);
            Assert.All(new[] { l0, l1, l2 }, l => Assert.True(l > 0.01, $"a labelled step's BCE should be positive, got {l}"));
            Assert.Equal((l0 + l1 + l2) / 3, Loss(0, 0), 5);
            Assert.Equal((l0 + l2) / 2, Loss(1, 1), 5);
            Assert.Equal(Loss(1, 0), Loss(1, 5), 6);                       // a null trajectory target adds no term
            Assert.Equal(Loss(0, 1) - Loss(0, 0), Loss(5, 1), 5);          // the trajectory term alone
        }
    }

    [Fact]
    public void ALineWithEveryTargetNull_IsAnErrorNamingFileAndLine()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "prm.jsonl");
        File.WriteAllLines(path,
        [
            """{"question": "q", "steps": ["a", "b"], "step_targets": [1, null], "final_target": null}""",
            """{"question": "q", "steps": ["a", "b"], "step_targets": [null, null], "final_target": null}""",
        ]);
        var options = new PrmDataOptions { Train = path };
        var records = JsonlReader.Read(path).ToList();
        var (_, _, targets, final) = PrmTrainingSet.ReadFields(records[0], options);
        Assert.Equal([1f, null], targets);
        Assert.Null(final);
        var e = Assert.Throws<InvalidDataException>(() => PrmTrainingSet.ReadFields(records[1], options));
        Assert.Contains("prm.jsonl:2", e.Message);
        Assert.Contains("every target is null", e.Message);
    }

    [Fact]
    public void TheScalarHead_RefusesANullTrajectoryTarget()
    {
        using var dir = new TempDir();
        var (_, encoder) = TinyBase(dir, PrmHeadKind.Scalar);
        var path = Path.Combine(dir.Path, "prm.jsonl");
        File.WriteAllLines(path, ["""{"question": "q", "steps": ["a", "b"], "step_targets": [1, 0], "final_target": null}"""]);
        var e = Assert.Throws<InvalidDataException>(() => PrmTrainingSet.Load(new PrmDataOptions { Train = path, MaxSeqLen = 256 }, PrmHead.Scalar, encoder));
        Assert.Contains("prm.jsonl:1", e.Message);
        Assert.Contains("scalar head", e.Message);
    }

    /// <summary>builtin:tiny written into <paramref name="dir"/> and the trainer's encoder over its tokenizer.</summary>
    private static (string BaseDir, PrmInputEncoder Encoder) TinyBase(TempDir dir, PrmHeadKind head)
    {
        var baseDir = BuiltinModels.Materialize("builtin:tiny", dir["base"], 3);
        var files = PrmTokenizerFiles.Prepare(baseDir, "<extra_0>", Qwen2Config.Load(baseDir).VocabSize, null);
        return (baseDir, new PrmInputEncoder(files.Tokenizer, files.Template, head,
            new PrmScoringOptions { Mode = PrmScoringMode.Paper, SeparatorToken = "<extra_0>", MaxTokens = 256, ScalarMaxTokens = 256 }));
    }
}
