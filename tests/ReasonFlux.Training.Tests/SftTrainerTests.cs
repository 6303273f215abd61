using ReasonFlux.Cli.Commands;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Torch;
using ReasonFlux.Training.Sft;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Tests;

[Collection(SerialCollection.Name)]
public class SftTrainerTests
{
    internal static List<SftExample> Examples(int count = 6, int seed = 3)
    {
        // Varied lengths and prompt lengths, so padding and masking both matter.
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int length = 6 + random.Next(14);
            var ids = Enumerable.Range(0, length).Select(_ => random.Next(256)).ToArray();
            return new SftExample(ids, 1 + random.Next(length - 2), $"test:{i + 1}");
        }).ToList();
    }

    [Fact]
    public void SftMicroBatch_CompletionOnly_TargetsAreTheCompletionTokensPredictedFromTheirPreviousPosition()
    {
        using var scope = NewDisposeScope();
        var examples = new List<SftExample> { new([10, 11, 12, 13], 2, "a"), new([20, 21], 1, "b") };
        var batch = SftMicroBatch.Create(examples, padTokenId: 99, completionOnly: true, Device.CPU);
        Assert.Equal([10L, 11, 12, 13, 20, 21, 99, 99], batch.InputIds.ToInt64Array());
        Assert.Equal([1L, 1, 1, 1, 1, 1, 0, 0], batch.AttentionMask!.ToInt64Array());
        Assert.Equal([1L, 2, 4], batch.PredictorPositions.ToInt64Array());
        Assert.Equal([12L, 13, 21], batch.Targets.ToInt64Array());
        Assert.Equal((6L, 3L), (batch.Tokens, batch.TrainedTokens));

        var full = SftMicroBatch.Create(examples, 99, completionOnly: false, Device.CPU);
        Assert.Equal([0L, 1, 2, 4], full.PredictorPositions.ToInt64Array());
        Assert.Equal([11L, 12, 13, 21], full.Targets.ToInt64Array());
    }

    [Fact]
    public void Step_Loss_IsTheMeanCompletionTokenNllOverTheWholeBatch()
    {
        using var lm = TinyModel.Load();
        var examples = Examples();
        var scores = LogprobsCommand.Score(lm.Model, examples.Select(e => e.InputIds).ToList());
        double nll = 0;
        int count = 0;
        for (int i = 0; i < examples.Count; i++)
            for (int t = examples[i].PromptLength; t < examples[i].InputIds.Length; t++)
            {
                nll -= scores[i][t - 1];
                count++;
            }
        using var trainer = new SftTrainer(lm, new OptimizerOptions(), completionOnlyLoss: true);
        var result = trainer.Step(examples, microBatchSize: 4, learningRate: 1e-3);
        Assert.Equal(nll / count, result.Loss, 1e-5);
        Assert.Equal(count, result.TrainedTokens);
        Assert.Equal(examples.Sum(e => e.InputIds.Length), result.Tokens);
        Assert.True(result.GradNorm > 0);
    }

    [Fact]
    public void Step_MicroBatchSplit_GivesTheSameGradientAsOneBatch()
    {
        // Normalising by the global token count makes accumulation equivalent to one big batch (fp32 rounding aside).
        // Gradients are compared, not updated weights: Adam's first step g/(|g|+eps) amplifies rounding where |g| ~ eps.
        var examples = Examples();
        var options = new OptimizerOptions { MaxGradNorm = 0.5 };
        (double Loss, float[][] Grads) Train(int micro)
        {
            using var lm = TinyModel.Load();
            using var trainer = new SftTrainer(lm, options, completionOnlyLoss: true);
            var r = trainer.Step(examples, micro, 1e-2);
            Assert.True(r.GradNorm > 0.5, "the test should exercise clipping");
            return (r.Loss, lm.Model.parameters().Select(p =>
            {
                using var g = p.grad!;
                return g.ToFloatArray();
            }).ToArray());
        }
        var whole = Train(6);
        var split = Train(1);
        Assert.Equal(whole.Loss, split.Loss, 1e-5);
        for (int i = 0; i < whole.Grads.Length; i++)
            for (int j = 0; j < whole.Grads[i].Length; j++)
                Assert.True(Math.Abs(whole.Grads[i][j] - split.Grads[i][j]) < 1e-6, $"gradient {i}[{j}]: {whole.Grads[i][j]} vs {split.Grads[i][j]}");
    }

    [Fact]
    public void Step_TokenBudgetMicroBatches_GiveTheSameGradientAsFixedSizeOnes()
    {
        var examples = Examples(count: 8, seed: 5);
        float[][] Train(int micro, int? budget)
        {
            using var lm = TinyModel.Load();
            using var trainer = new SftTrainer(lm, new OptimizerOptions { MaxGradNorm = 0 }, completionOnlyLoss: true);
            trainer.Step(examples, micro, 1e-2, budget);
            return lm.Model.parameters().Select(p =>
            {
                using var g = p.grad!;
                return g.ToFloatArray();
            }).ToArray();
        }
        var fixedSize = Train(2, null);
        var budgeted = Train(2, 40); // longest 19 tokens: passes of 2-6 sequences, in a different order
        for (int i = 0; i < fixedSize.Length; i++)
            for (int j = 0; j < fixedSize[i].Length; j++)
                Assert.True(Math.Abs(fixedSize[i][j] - budgeted[i][j]) < 1e-6, $"gradient {i}[{j}]: {fixedSize[i][j]} vs {budgeted[i][j]}");
    }

    [Fact]
    public void MicroBatchPlan_TokenBudget_PacksLongestFirstWithinTheBudget()
    {
        int[] lengths = [5, 20, 7, 3, 9, 30];
        var plan = Common.MicroBatchPlan.Split(lengths, microBatchSize: 2, maxTokensPerMicroBatch: 30);
        Assert.Equal(new[] { new[] { 5 }, new[] { 1 }, new[] { 4, 2, 0 }, new[] { 3 } }, plan);
        Assert.All(plan, rows => Assert.True(rows.Length == 1 || rows.Length * rows.Max(r => lengths[r]) <= 30));
        Assert.Equal(Enumerable.Range(0, 6), plan.SelectMany(r => r).Order());
        Assert.Equal(new[] { new[] { 0, 1 }, new[] { 2, 3 }, new[] { 4, 5 } }, Common.MicroBatchPlan.Split(lengths, 2, null));
    }

    [Fact]
    public void Step_Repeated_LeaksNoTensors()
    {
        using var lm = TinyModel.Load();
        using var trainer = new SftTrainer(lm, new OptimizerOptions(), completionOnlyLoss: true);
        var examples = Examples();
        trainer.Step(examples, 2, 1e-3); // the first step creates the optimizer state and gradients
        long Live()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return TensorHandle.LiveCount;
        }
        long baseline = Live();
        for (int i = 0; i < 3; i++) trainer.Step(examples, 2, 1e-3);
        Assert.Equal(baseline, Live());
    }
}
