using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Torch;
using ReasonFlux.Training.Sft;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Tests;

/// <summary>data.packing: several examples per row, never attending to each other, with the unpacked loss and gradient.</summary>
[Collection(SerialCollection.Name)]
public class SftPackingTests
{
    private static List<SftExample> Examples(int count, int seed) => SftTrainerTests.Examples(count, seed);

    [Fact]
    public void Pack_FirstFitLongestFirst_WithinTheRowLength_EveryExampleOnce()
    {
        int[] lengths = [5, 20, 7, 3, 9, 30, 12];
        var rows = SftPacking.Pack(lengths, 32);
        Assert.Equal(new[] { new[] { 5 }, new[] { 1, 6 }, new[] { 4, 2, 0, 3 } }, rows);
        Assert.All(rows, r => Assert.True(r.Sum(i => lengths[i]) <= 32));
        Assert.Equal(Enumerable.Range(0, lengths.Length), rows.SelectMany(r => r).Order());
        // An example longer than a row gets a row of its own, whole.
        Assert.Equal(new[] { new[] { 1 }, new[] { 0 } }, SftPacking.Pack([4, 40], 32));
    }

    [Fact]
    public void CreatePacked_RestartsPositionsPerExample_AndNamesEachPositionsExample()
    {
        using var scope = NewDisposeScope();
        IReadOnlyList<IReadOnlyList<SftExample>> rows = [[new([10, 11, 12], 1, "a"), new([20, 21], 1, "b")], [new([30, 31, 32, 33], 2, "c")]];
        var batch = SftMicroBatch.CreatePacked(rows, padTokenId: 99, completionOnly: true, Device.CPU);
        Assert.Null(batch.AttentionMask);
        Assert.Equal([10L, 11, 12, 20, 21, 30, 31, 32, 33, 99], batch.InputIds.ToInt64Array());
        Assert.Equal([0L, 1, 2, 0, 1, 0, 1, 2, 3, 0], batch.PositionIds!.ToInt64Array());
        Assert.Equal([0L, 0, 0, 1, 1, 0, 0, 0, 0, -1], batch.SegmentIds!.ToInt64Array());
        // Targets: a's 11, 12 (predicted at 0, 1), b's 21 (at 3, never from a's last token), c's 32, 33 (at 6, 7).
        Assert.Equal([0L, 1, 3, 6, 7], batch.PredictorPositions.ToInt64Array());
        Assert.Equal([11L, 12, 21, 32, 33], batch.Targets.ToInt64Array());
        Assert.Equal((9L, 5L), (batch.Tokens, batch.TrainedTokens));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Step_Packed_GivesTheUnpackedLossAndGradient(bool checkpointing, bool completionOnly)
    {
        var examples = Examples(count: 8, seed: 7);
        (double Loss, long Tokens, float[][] Grads) Train(int? rowLength, int micro)
        {
            using var lm = TinyModel.Load();
            lm.Model.Model.GradientCheckpointing = checkpointing;
            using var trainer = new SftTrainer(lm, new OptimizerOptions { MaxGradNorm = 0 }, completionOnly) { PackedRowLength = rowLength };
            var r = trainer.Step(examples, micro, 1e-2);
            return (r.Loss, r.Tokens, lm.Model.parameters().Select(p =>
            {
                using var g = p.grad!;
                return g.ToFloatArray();
            }).ToArray());
        }
        var unpacked = Train(null, 8);
        var packed = Train(40, 8); // 6-19 tokens each: rows of 2-4 examples
        Assert.Equal(unpacked.Loss, packed.Loss, 1e-5);
        Assert.Equal(unpacked.Tokens, packed.Tokens);
        for (int i = 0; i < unpacked.Grads.Length; i++)
            for (int j = 0; j < unpacked.Grads[i].Length; j++)
                Assert.True(Math.Abs(unpacked.Grads[i][j] - packed.Grads[i][j]) < 1e-5, $"gradient {i}[{j}]: {unpacked.Grads[i][j]} vs {packed.Grads[i][j]}");
    }

    [Fact]
    public void Run_PackingRecipe_FirstStepHasTheUnpackedLoss()
    {
        using var dir = new TempDir();
        var data = RepoPaths.TestData("sft-addition", "sft.jsonl");
        var plain = SftRecipes.Write(dir, data, steps: 2, microBatch: 8, runName: "plain");
        var packed = SftRecipes.Write(dir, data, steps: 2, microBatch: 8, runName: "packed", overrides: ["sft.data.packing=true"]);
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(plain, new ResumeRequest.Fresh()).Outcome);
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(packed, new ResumeRequest.Fresh()).Outcome);
        double FirstLoss(ReasonFlux.Recipes.Recipe r) =>
            MetricsFile.Read(Path.Combine(SftRecipes.StageDirectory(r), "metrics.jsonl")).Single(s => s.Name == MetricNames.Loss).Values[0];
        Assert.Equal(FirstLoss(plain), FirstLoss(packed), 1e-5);
    }

    [Fact]
    public void Step_PackedWithoutTheBoundaryMask_WouldDiffer()
    {
        // The same packed rows read as one sequence each (a plain causal forward) give another loss: the equality
        // above comes from the mask and the restarted positions, not from the data.
        var examples = Examples(count: 4, seed: 7);
        using var lm = TinyModel.Load();
        using var scope = NewDisposeScope();
        var rows = SftPacking.Pack(examples.Select(e => e.InputIds.Length).ToArray(), 40).Select(r => (IReadOnlyList<SftExample>)r.Select(i => examples[i]).ToList()).ToList();
        var batch = SftMicroBatch.CreatePacked(rows, lm.PadTokenId, completionOnly: true, Device.CPU);
        double Loss(Tensor hidden) => lm.Model.TokenLogProbs(hidden.reshape(-1, hidden.size(-1)).index_select(0, batch.PredictorPositions), batch.Targets).mean().neg().ToDouble();
        using var noGrad = no_grad();
        double packed = Loss(batch.Hidden(lm.Model.Model));
        double crossing = Loss(lm.Model.Model.forward(batch.InputIds, batch.SegmentIds!.ge(0).to(ScalarType.Int64)));
        Assert.True(Math.Abs(packed - crossing) > 1e-4, $"packed {packed} vs crossing {crossing}");
    }
}
