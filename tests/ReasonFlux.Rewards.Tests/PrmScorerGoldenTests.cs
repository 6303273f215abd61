namespace ReasonFlux.Rewards.Tests;

/// <summary>The scorer's readout against the plain-PyTorch reference outputs in golden.json.</summary>
public class PrmScorerGoldenTests : IDisposable
{
    private readonly TinyPrmFolders _folders = new();

    [Fact]
    public void Read_GoldenPrmCasesBatchedTogether_MatchReferenceStepScoresAndLastToken()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm"));
        var cases = new[] { "single", "left_padded", "right_padded" }.Select(n => GoldenData.Case("tiny-qwen2-prm", n)).ToArray();
        var inputs = new List<PrmEncodedInput>();
        var expectedSteps = new List<double[]>();
        var expectedLast = new List<double>();
        foreach (var c in cases)
        {
            var rows = GoldenData.RealRows(c);
            for (int b = 0; b < rows.Length; b++)
            {
                var seps = rows[b].Select((id, t) => (id, t)).Where(x => x.id == TinyPrmFolders.SeparatorId).Select(x => x.t).ToArray();
                inputs.Add(new PrmEncodedInput(rows[b], seps, seps.Length, seps.Length, false));
                expectedSteps.Add(GoldenData.Doubles(c["step_scores"]![b]));
                expectedLast.Add((double)c["last_token_class1_prob"]![b]!);
            }
        }
        // Five rows of lengths 12, 11, 6, 11, 6 in one padded batch.
        var readouts = scorer.Read(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(expectedSteps[i].Length + 1, readouts[i].Length);
            for (int s = 0; s < expectedSteps[i].Length; s++) Assert.Equal(expectedSteps[i][s], readouts[i][s], 1e-5);
            Assert.Equal(expectedLast[i], readouts[i][^1], 1e-5);
        }
    }

    [Fact]
    public void Read_GoldenScalarCases_MatchReferenceReward()
    {
        using var scorer = PrmScorer.Load(_folders.Copy("tiny-qwen2-prm-scalar"));
        Assert.Equal(PrmHeadKind.Scalar, scorer.Head);
        var inputs = new List<PrmEncodedInput>();
        var expected = new List<double>();
        foreach (var name in new[] { "single", "right_padded", "left_padded" })
        {
            var c = GoldenData.Case("tiny-qwen2-prm-scalar", name);
            var rows = GoldenData.RealRows(c);
            for (int b = 0; b < rows.Length; b++)
            {
                inputs.Add(new PrmEncodedInput(rows[b], [], 1, 0, false));
                expected.Add((double)c["reward"]![b]!);
            }
        }
        var readouts = scorer.Read(inputs);
        for (int i = 0; i < inputs.Count; i++) Assert.Equal(expected[i], readouts[i][0], 1e-5);
    }

    public void Dispose() => _folders.Dispose();
}
