using System.Text.Json.Nodes;
using ReasonFlux.PrmData;
using ReasonFlux.PrmData.Components;
using ReasonFlux.PrmData.Embeddings;
using ReasonFlux.PrmData.Judging;
using ReasonFlux.PrmData.Pipeline;
using ReasonFlux.PrmData.TrajectoryReward;

namespace ReasonFlux.PrmData.Tests;

[Collection(TinyModelCollection.Name)]
public sealed class BuilderTests(TinyModelFixture tiny)
{
    /// <summary>A test double for Φ: a fixed vector per known text, so every component can be recomputed by hand.</summary>
    private sealed class TableEncoder(Dictionary<string, float[]> table) : ITextEncoder
    {
        public int Dimension => 2;
        public float[][] Encode(IReadOnlyList<string> texts) => texts.Select(t => table[t]).ToArray();
    }

    private static readonly Dictionary<string, float[]> Table = new()
    {
        ["P1"] = [1, 0], ["a1"] = [1, 0.2f], ["a2"] = [0.8f, 0.6f], ["R1"] = [1, 0.1f],
        ["P2"] = [0, 1], ["b1"] = [0.1f, 1], ["b2"] = [-0.5f, 1], ["R2"] = [0, 1],
    };

    private static PrmSource[] Sources() =>
    [
        new("pool:1", "P1", ["a1", "a2"], "R1", "1"),
        new("pool:2", "P2", ["b1", "b2"], "R2", "2"),
    ];

    private static PrmDataOptions NoTrajectoryReward(PrmDataOptions? o = null) =>
        (o ?? new PrmDataOptions()) with { TrajectoryReward = new TrajectoryRewardOptions { Enabled = false } };

    [Fact]
    public async Task Build_HandMadeEmbeddings_TargetsFollowTheDocFormulas()
    {
        var options = NoTrajectoryReward() with { Coherence = new CoherenceOptions { NumNegatives = 4, Temperature = 0.5 } };
        var judge = new ScriptedJudge(p => p.Contains("Current step (1 of 2)") ? "Score: 0.9" : "Score: 3/10");
        var result = await new PrmDataBuilder(options, new TableEncoder(Table), judge).BuildAsync(Sources());
        Assert.Equal(2, result.Examples.Count);
        var e = result.Examples[0];
        Assert.Equal(["a1", "a2"], e.Steps);
        Assert.Null(e.FinalTarget);

        // Step 2 of trajectory 1 by hand: alignment to R1 (the only response step), quality 0.3,
        // coherence of a1 → a2 against all steps of trajectory 2 (|N| = 4 > 2 available, so both).
        double align = Math.Max(0, VectorMath.Cosine(Table["a2"], Table["R1"]));
        double cohLog = StepCoherence.InfoNce(Table["a1"], Table["a2"], [Table["b1"], Table["b2"]], 0.5, true);
        double expected = StepRewardCombiner.Combine([align, 0.3, Math.Exp(cohLog)], out var w);
        Assert.Equal(expected, e.StepTargets[1], 12);
        Assert.Equal(cohLog, e.Components[1].CoherenceLog!.Value, 12);
        Assert.Equal(w[0], e.Components[1].Weights[0]!.Value, 12);
        Assert.Equal(1.0, e.Components[1].Weights.Sum(x => x!.Value), 12);
        // Step 1 is anchored on the problem embedding.
        double coh1 = StepCoherence.InfoNce(Table["P1"], Table["a1"], [Table["b1"], Table["b2"]], 0.5, true);
        Assert.Equal(coh1, e.Components[0].CoherenceLog!.Value, 12);
        Assert.Equal(0.9, e.Components[0].Quality);
        Assert.All(result.Examples.SelectMany(x => x.StepTargets), t => Assert.InRange(t, 0, 1));
        Assert.Equal(4, judge.Statistics.Requests);
    }

    [Fact]
    public async Task Build_RawCombination_UsesCosineAndLogRatio_AndClampsIntoUnitInterval()
    {
        var options = NoTrajectoryReward() with { Combination = new CombinationOptions { Input = CombinationInput.Raw }, Quality = new QualityOptions { Enabled = false } };
        var result = await new PrmDataBuilder(options, new TableEncoder(Table)).BuildAsync(Sources());
        var c = result.Examples[1].Components[1];
        var raw = StepRewardCombiner.Combine([c.AlignmentCosine!.Value, c.CoherenceLog!.Value], out _);
        Assert.Equal(Math.Clamp(raw, 0, 1), result.Examples[1].StepTargets[1], 12);
        Assert.Null(c.Weights[1]);
        Assert.All(result.Examples.SelectMany(x => x.StepTargets), t => Assert.InRange(t, 0, 1));
    }

    [Fact]
    public async Task Build_JudgeFailures_FallbackIsMarked_DropRemovesTheStep_FailThrows()
    {
        var judge = new ScriptedJudge(p => p.Contains("a2") && p.Contains("Current step (2 of 2)") ? "no idea" : "Score: 1");
        var fallback = await new PrmDataBuilder(NoTrajectoryReward(), new TableEncoder(Table), judge).BuildAsync(Sources());
        Assert.Equal(1, fallback.Summary.QualityFailures);
        Assert.True(fallback.Examples[0].Components[1].QualityFailed);
        Assert.Equal(0.5, fallback.Examples[0].Components[1].Quality);

        var dropOptions = NoTrajectoryReward() with { Quality = new QualityOptions { OnFailure = JudgeFailurePolicy.Drop } };
        var dropped = await new PrmDataBuilder(dropOptions, new TableEncoder(Table), judge).BuildAsync(Sources());
        Assert.Equal(["a1"], dropped.Examples[0].Steps);
        Assert.Equal([1], dropped.Examples[0].DroppedSteps);
        Assert.Equal(1, dropped.Summary.DroppedSteps);
        Assert.Single(dropped.Examples[0].StepTargets);

        var failOptions = NoTrajectoryReward() with { Quality = new QualityOptions { OnFailure = JudgeFailurePolicy.Fail } };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new PrmDataBuilder(failOptions, new TableEncoder(Table), judge).BuildAsync(Sources()));
        Assert.Contains("pool:1", e.Message);
        Assert.Contains("step 2", e.Message);
    }

    [Fact]
    public async Task Build_SingleTrajectory_HasNoCoherenceNegatives_AndSaysSo()
    {
        var options = NoTrajectoryReward() with { Quality = new QualityOptions { Enabled = false } };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new PrmDataBuilder(options, new TableEncoder(Table)).BuildAsync(Sources().Take(1).ToList()));
        Assert.Contains("pool:1", e.Message);
        Assert.Contains("negatives", e.Message);
    }

    [Fact]
    public async Task Build_LastChunkOfOneRecord_DrawsNegativesFromThePreviousChunk()
    {
        var table = new Dictionary<string, float[]>(Table) { ["P3"] = [1, 1], ["c1"] = [0.7f, 0.7f], ["R3"] = [0.6f, 0.8f] };
        var sources = Sources().Append(new PrmSource("pool:3", "P3", ["c1"], "R3", "3")).ToList();
        var options = NoTrajectoryReward() with { ChunkSize = 2, Quality = new QualityOptions { Enabled = false }, Coherence = new CoherenceOptions { NumNegatives = 16 } };
        var progress = new List<PrmDataProgress>();
        var result = await new PrmDataBuilder(options, new TableEncoder(table)).BuildAsync(sources, progress.Add);
        Assert.Equal([2, 3], progress.Select(p => p.RecordsRead));
        float[][] previousChunk = [table["a1"], table["a2"], table["b1"], table["b2"]];
        double expected = StepCoherence.InfoNce(table["P3"], table["c1"], previousChunk, 0.1, true);
        Assert.Equal(expected, result.Examples[2].Components[0].CoherenceLog!.Value, 12);
    }

    [Fact]
    public void Validate_CoherenceWithChunksOfOne_Throws() =>
        Assert.Contains("chunk_size", Assert.Throws<ArgumentException>(() => new PrmDataOptions { ChunkSize = 1 }.Validate()).Message);

    [Fact]
    public void Create_QualityWithoutJudge_Throws() =>
        Assert.Throws<ArgumentException>(() => new PrmDataBuilder(NoTrajectoryReward(), new TableEncoder(Table)));

    private static string WritePool(params JsonObject[] lines)
    {
        var dir = Directory.CreateTempSubdirectory("prmdata-pool").FullName;
        var path = Path.Combine(dir, "pool.jsonl");
        File.WriteAllLines(path, lines.Select(l => l.ToJsonString()));
        return path;
    }

    private static JsonObject Line(string problem, string trajectory, string response, string answer) =>
        new() { ["problem"] = problem, ["trajectory"] = trajectory, ["response"] = response, ["answer"] = answer };

    [Fact]
    public async Task BuildFile_ThreeLines_TinyEncoderHttpJudgeTinyPolicy_WritesTrainingLines()
    {
        var pool = WritePool(
            Line("What is 1+1?", "<think>\nWe add.\n\n1+1 = 2.\n</think>", "The sum is 2.\n\nAnswer: \\boxed{2}", "2"),
            Line("What is 2*3?", "Multiply.\n\n2*3 = 6.\n\nCheck: 6/3 = 2.", "\\boxed{6}", "6"),
            new JsonObject { ["problem"] = "What is 5-1?", ["steps"] = new JsonArray("Subtract.", "5-1 = 4."), ["response"] = "\\boxed{4}", ["answer"] = "4" });
        var output = Path.Combine(Path.GetDirectoryName(pool)!, "prm-train.jsonl");
        using var server = new LoopbackChatServer(r => r.Prompt.StartsWith("T:", StringComparison.Ordinal)
            ? ChatResponse.Content("compute directly")
            : r.Number % 4 == 0 ? ChatResponse.Content("garbage reply") : ChatResponse.Content("Score: 7/10"));
        using var judge = new OpenAiChatJudge(new OpenAiJudgeOptions { BaseUrl = server.BaseUrl, Model = "m", InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(10) });
        var options = new PrmDataOptions
        {
            ChunkSize = 2,
            TrajectoryReward = new TrajectoryRewardOptions { ExtractionPrompt = "T:{trajectory}", PolicyPrompt = "{problem}|{template}", Rollouts = 2, MaxNewTokens = 8, ExtractionMaxTokens = 16 },
        };
        var reward = new TemplateGuidedReward(judge, tiny.Model, options.TrajectoryReward);
        var builder = new PrmDataBuilder(options, MeanPooledEncoder.Create(tiny.Model), judge, reward);
        var progress = new List<PrmDataProgress>();
        var summary = await builder.BuildAsync(pool, output, progress.Add);

        Assert.Equal(3, summary.RecordsRead);
        Assert.Equal(3, summary.RecordsWritten);
        Assert.Equal(7, summary.StepsWritten);
        Assert.Equal([2, 3], progress.Select(p => p.RecordsRead));
        Assert.Equal(7 + 3, server.Requests.Count);
        Assert.True(summary.QualityFailures > 0, "every 4th judge reply is garbage");
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(3, lines.Count);
        Assert.False(File.Exists(output + ".tmp"));
        Assert.Equal(["We add.", "1+1 = 2."], lines[0]["steps"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(pool + ":1", lines[0]["source"]!.GetValue<string>());
        foreach (var line in lines)
        {
            var steps = line["steps"]!.AsArray();
            var targets = line["step_targets"]!.AsArray().Select(x => x!.GetValue<double>()).ToList();
            Assert.Equal(steps.Count, targets.Count);
            Assert.All(targets, t => Assert.InRange(t, 0, 1));
            Assert.InRange(line["final_target"]!.GetValue<double>(), 0, 1);
            Assert.Equal(line["problem"]!.GetValue<string>(), line["question"]!.GetValue<string>());
            var comp = line["components"]!.AsObject();
            foreach (var key in new[] { "alignment", "quality", "coherence", "coherence_log", "weight_alignment", "weight_quality", "weight_coherence" })
                Assert.Equal(steps.Count, comp[key]!.AsArray().Count);
            for (int t = 0; t < steps.Count; t++)
            {
                double wsum = comp["weight_alignment"]![t]!.GetValue<double>() + comp["weight_quality"]![t]!.GetValue<double>() + comp["weight_coherence"]![t]!.GetValue<double>();
                Assert.Equal(1.0, wsum, 9);
                Assert.True(comp["coherence_log"]![t]!.GetValue<double>() <= 1e-12);
            }
            Assert.Equal("compute directly", line["trajectory_reward"]!["template"]!.GetValue<string>());
            Assert.Equal(2, line["trajectory_reward"]!["rollouts"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task BuildFile_BadLine_FailsWithFileAndLine_BeforeAnyWork()
    {
        var pool = WritePool(
            Line("p1", "s1\n\ns2", "r1", "1"),
            new JsonObject { ["problem"] = "p2", ["trajectory"] = "s", ["answer"] = "2" },
            Line("p3", "s1", "r3", "3"));
        var judge = new ScriptedJudge(_ => "Score: 1");
        var options = NoTrajectoryReward();
        var output = Path.Combine(Path.GetDirectoryName(pool)!, "out.jsonl");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new PrmDataBuilder(options, new TableEncoder([]), judge).BuildAsync(pool, output));
        Assert.Contains(pool + ":2", e.Message);
        Assert.Contains("\"response\"", e.Message);
        Assert.Equal(0, judge.Statistics.Requests);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task BuildFile_MissingAnswerWithTrajectoryReward_FailsWithFileAndLine()
    {
        var pool = WritePool(new JsonObject { ["problem"] = "p", ["trajectory"] = "s", ["response"] = "r" });
        var judge = new ScriptedJudge(_ => "x");
        var reward = new TemplateGuidedReward(judge, tiny.Model, new TrajectoryRewardOptions());
        var builder = new PrmDataBuilder(new PrmDataOptions(), new TableEncoder([]), judge, reward);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => builder.BuildAsync(pool, pool + ".out"));
        Assert.Contains(pool + ":1", e.Message);
        Assert.Contains("\"answer\"", e.Message);
    }
}
