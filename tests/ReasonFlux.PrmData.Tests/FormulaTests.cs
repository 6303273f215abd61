using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Components;
using ReasonFlux.PrmData.Embeddings;

namespace ReasonFlux.PrmData.Tests;

public sealed class FormulaTests
{
    private static float[] V(params float[] x) => x;

    [Fact]
    public void Cosine_KnownVectors_MatchesDefinition()
    {
        Assert.Equal(1.0, VectorMath.Cosine(V(1, 2, 3), V(2, 4, 6)), 12);
        Assert.Equal(0.0, VectorMath.Cosine(V(1, 0), V(0, 5)), 12);
        Assert.Equal(-1.0, VectorMath.Cosine(V(1, 1), V(-2, -2)), 12);
        Assert.Equal(1 / Math.Sqrt(2), VectorMath.Cosine(V(1, 0), V(1, 1)), 12);
        Assert.Equal(0.0, VectorMath.Cosine(V(0, 0), V(1, 1)), 12);
    }

    [Fact]
    public void Alignment_EachStep_PicksTheBestMatchingResponseStep()
    {
        float[][] trajectory = [V(1, 0, 0), V(0, 1, 0), V(1, 1, 0)];
        float[][] response = [V(0, 0.9f, 0.1f), V(1, 0, 0.2f), V(0, 0, 1)];
        var result = StepAlignment.Compute(trajectory, response);
        Assert.Equal([1, 0, 0], result.BestMatch);
        Assert.Equal(VectorMath.Cosine(trajectory[0], response[1]), result.Cosine[0], 12);
        Assert.Equal(VectorMath.Cosine(trajectory[1], response[0]), result.Cosine[1], 12);
        // Step 3 is equally close to response steps 1 and 2 up to their off-axis parts: the max is taken.
        var all = response.Select(r => VectorMath.Cosine(trajectory[2], r)).ToArray();
        Assert.Equal(all.Max(), result.Cosine[2], 12);
    }

    [Theory]
    [InlineData(0.6, AlignmentScale.Clamp, 0.6)]
    [InlineData(-0.4, AlignmentScale.Clamp, 0.0)]
    [InlineData(0.6, AlignmentScale.Shift, 0.8)]
    [InlineData(-1.0, AlignmentScale.Shift, 0.0)]
    public void AlignmentScale_MapsCosineIntoUnitInterval(double cos, AlignmentScale scale, double expected) =>
        Assert.Equal(expected, StepAlignment.Scale(cos, scale), 12);

    [Fact]
    public void InfoNce_MatchesHandComputedLogRatio()
    {
        float[] prev = V(1, 0), succ = V(1, 1), n1 = V(0, 1), n2 = V(-1, 0);
        double tau = 0.5;
        double sp = VectorMath.Cosine(prev, succ) / tau, s1 = VectorMath.Cosine(prev, n1) / tau, s2 = VectorMath.Cosine(prev, n2) / tau;
        double withPositive = sp - Math.Log(Math.Exp(sp) + Math.Exp(s1) + Math.Exp(s2));
        double withoutPositive = sp - Math.Log(Math.Exp(s1) + Math.Exp(s2));
        Assert.Equal(withPositive, StepCoherence.InfoNce(prev, succ, [n1, n2], tau, includePositive: true), 12);
        Assert.Equal(withoutPositive, StepCoherence.InfoNce(prev, succ, [n1, n2], tau, includePositive: false), 12);
        Assert.True(withPositive <= 0);
        Assert.True(withoutPositive > 0, "without the positive in the denominator the ratio may exceed 1");
        Assert.Equal(1.0, StepCoherence.Scale(withoutPositive));
        Assert.Equal(Math.Exp(withPositive), StepCoherence.Scale(withPositive), 12);
    }

    [Fact]
    public void InfoNce_TrueSuccessor_ScoresHigherThanARandomNegative()
    {
        var rng = new Random(7);
        float[] Random(int d) => Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var prev = Random(32);
        var successor = prev.Select((x, i) => x + 0.3f * (float)(rng.NextDouble() - 0.5)).ToArray();
        var negatives = Enumerable.Range(0, 8).Select(_ => Random(32)).ToList();
        double trueScore = StepCoherence.InfoNce(prev, successor, negatives, 0.1, true);
        // Swap roles: a random negative presented as the successor, the true successor among the negatives.
        var swapped = negatives.Skip(1).Append(successor).ToList();
        double negativeScore = StepCoherence.InfoNce(prev, negatives[0], swapped, 0.1, true);
        Assert.True(trueScore > negativeScore, $"true {trueScore} vs negative {negativeScore}");
        Assert.True(StepCoherence.Scale(trueScore) > 0.5);
    }

    [Fact]
    public void Combine_WeightsAreSoftmaxOfTheValues_SumToOne_AndWeightTheValues()
    {
        double[] values = [0.9, 0.2, 0.5];
        var target = StepRewardCombiner.Combine(values, out var w);
        double z = values.Sum(Math.Exp);
        for (int k = 0; k < 3; k++) Assert.Equal(Math.Exp(values[k]) / z, w[k], 12);
        Assert.Equal(1.0, w.Sum(), 12);
        Assert.Equal(values.Zip(w, (v, x) => v * x).Sum(), target, 12);
        Assert.InRange(target, values.Min(), values.Max());
        // The largest component gets the largest weight: the combination leans toward it beyond the plain mean.
        Assert.True(target > values.Average());
    }

    [Fact]
    public void Combine_EqualValues_GiveEqualWeights()
    {
        var target = StepRewardCombiner.Combine([0.4, 0.4, 0.4], out var w);
        Assert.All(w, x => Assert.Equal(1.0 / 3, x, 12));
        Assert.Equal(0.4, target, 12);
    }

    [Fact]
    public void Combine_NonFiniteValue_Throws() =>
        Assert.Throws<ArgumentException>(() => StepRewardCombiner.Combine([0.1, double.NaN], out _));

    [Fact]
    public void NegativePool_Draw_ExcludesOwnTrajectoryAndSameProblem_AndIsSeeded()
    {
        var pool = new NegativePool();
        pool.Add(0, "p0", [V(1, 0), V(2, 0)]);
        pool.Add(1, "p0", [V(3, 0)]);
        pool.Add(2, "p1", [V(4, 0), V(5, 0), V(6, 0)]);
        var draw = pool.Draw(0, "p0", 2, new Random(1));
        Assert.Equal(2, draw.Count);
        Assert.All(draw, v => Assert.InRange(v[0], 4, 6));
        Assert.Equal(2, draw.Distinct().Count());
        var again = pool.Draw(0, "p0", 2, new Random(1));
        Assert.Equal(draw.Select(v => v[0]), again.Select(v => v[0]));
        // Without the group exclusion trajectory 1 is eligible; asking for more than exist returns all of them.
        Assert.Equal(4, pool.Draw(0, null, 10, new Random(1)).Count);
        Assert.Throws<InvalidOperationException>(() => new NegativePool().Draw(0, null, 3, new Random(1)));
    }

    [Fact]
    public void CoherenceCompute_FirstStepProblemOrSkip()
    {
        var pool = new NegativePool();
        pool.Add(1, "other", [V(0, 1), V(-1, 0)]);
        float[][] steps = [V(1, 0.1f), V(1, 0.2f)];
        var problem = V(1, 0);
        var anchored = new StepCoherence(new CoherenceOptions { NumNegatives = 2, Temperature = 0.5 }).Compute(problem, steps, pool, 0, "mine", 0);
        Assert.Equal(StepCoherence.InfoNce(problem, steps[0], [V(0, 1), V(-1, 0)], 0.5, true), anchored[0]!.Value, 12);
        Assert.Equal(StepCoherence.InfoNce(steps[0], steps[1], [V(0, 1), V(-1, 0)], 0.5, true), anchored[1]!.Value, 12);
        var skipped = new StepCoherence(new CoherenceOptions { FirstStep = FirstStepContext.Skip }).Compute(null, steps, pool, 0, "mine", 0);
        Assert.Null(skipped[0]);
        Assert.NotNull(skipped[1]);
    }
}
