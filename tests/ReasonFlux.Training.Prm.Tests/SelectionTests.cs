using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Rewards;
using ReasonFlux.Runs;
using ReasonFlux.Training.Prm;
using ReasonFlux.Training.Select;

namespace ReasonFlux.Training.Prm.Tests;

public class SelectionTests
{
    private static string Yaml(TempDir dir, string prm, int topK) => $$"""
        run_name: sel
        output_dir: "{{dir["runs"]}}"
        kind: select
        prm:
          path: "{{prm}}"
          dtype: float32
          batch_size: 4
        data:
          pool: "{{dir["pool.jsonl"]}}"
        top_k: {{topK}}
        logging:
          progress: plain
          tensorboard: false
        """;

    private static string Output(TempDir dir, string file) => Path.Combine(dir["runs"], "sel", "select", "output", file);

    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Select_Scores_ExactlyTopKBestFirstWithStableTies()
    {
        double[] scores = [0.5, 0.9, 0.5, 0.1, 0.9, double.NaN, 0.7];
        Assert.Equal([1, 4, 6, 0], TopKSelection.Select(scores, 4));
        Assert.Equal([1, 4, 6, 0, 2, 3, 5], TopKSelection.Rank(scores));
        Assert.Throws<InvalidDataException>(() => TopKSelection.Select(scores, 8));
    }

    [Fact]
    public void SelectStage_Pool_WritesExactlyTheTopKByScoreWithSftFields()
    {
        using var dir = new TempDir();
        var prm = TinyPrm.Create(dir);
        TinyPrm.WritePool(dir["pool.jsonl"], 12);
        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(dir, Yaml(dir, prm, 5)), new ResumeRequest.Fresh()).Outcome);

        // Expected: the scorer on the same items, ranked independently.
        var keys = new SelectionKeys();
        var items = JsonlReader.ReadAll(dir["pool.jsonl"]).Select(r => SelectionPool.ToItem(r, keys, "\n\n")).ToArray();
        using var scorer = PrmScorer.Load(prm, PrmScorerLoader.ToScoringOptions(new PrmScorerOptions { Path = prm }));
        var expected = scorer.Score(items.Select(i => i.Sample).ToArray()).Select(s => s.Score).ToArray();
        var top = Enumerable.Range(0, 12).OrderByDescending(i => expected[i]).ThenBy(i => i).Take(5).ToArray();

        var selected = Lines(Output(dir, "selected.jsonl"));
        Assert.Equal(5, selected.Count);
        Assert.Equal(top.Select(i => $"p{i}"), selected.Select(s => (string)s["id"]!));
        for (int r = 0; r < 5; r++)
        {
            var item = items[top[r]];
            Assert.Equal(expected[top[r]], (double)selected[r]["prm_score"]!, 1e-5);
            Assert.Equal(item.Question, (string)selected[r]["prompt"]!);
            Assert.Equal(item.Completion, (string)selected[r]["completion"]!);
            Assert.Equal((string)item.Record.Value["question"]!, (string)selected[r]["question"]!);
        }
        Assert.StartsWith("<think>\n", (string)selected.First(s => s.ContainsKey("trajectory"))["completion"]!);

        var all = Lines(Output(dir, "scores.jsonl"));
        Assert.Equal(12, all.Count);
        Assert.Equal(Enumerable.Range(0, 12), all.Select(s => (int)s["index"]!));
        Assert.Equal(top.Order(), all.Where(s => (bool)s["selected"]!).Select(s => (int)s["index"]!));
        Assert.Equal(1, (int)all[top[0]]["rank"]!);

        var svg = File.ReadAllText(Output(dir, "score_histogram.svg"));
        Assert.StartsWith("<svg", svg);
        Assert.Contains("stroke-dasharray", svg);
        Assert.Contains($"top 5 ≥ {expected[top[4]].ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}", svg);
    }

    [Fact]
    public void SelectStage_InterruptedThenResumed_WritesTheSameSelection()
    {
        using var straight = new TempDir();
        using var resumed = new TempDir();
        foreach (var d in new[] { straight, resumed }) TinyPrm.WritePool(d["pool.jsonl"], 10);
        var prm = TinyPrm.Create(straight);
        Recipes.Run(Recipes.Parse(straight, Yaml(straight, prm, 4)), new ResumeRequest.Fresh(), selectChunk: 3);

        var recipe = Recipes.Parse(resumed, Yaml(resumed, prm, 4));
        Assert.Equal(StageOutcome.Interrupted, Recipes.Run(recipe, new ResumeRequest.Fresh(), interruptAfterFirst: true, selectChunk: 3).Outcome);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(resumed["runs"], "sel", "select", "step-1", SelectRunner.PartialScoresFile)).Length);
        Assert.Equal(StageOutcome.Completed, Recipes.Run(recipe, new ResumeRequest.Auto(), selectChunk: 3).Outcome);

        Assert.Equal(File.ReadAllText(Output(straight, "selected.jsonl")), File.ReadAllText(Output(resumed, "selected.jsonl")));
        Assert.Equal(File.ReadAllText(Output(straight, "scores.jsonl")), File.ReadAllText(Output(resumed, "scores.jsonl")));
    }

    [Fact]
    public void SelectStage_TopKLargerThanPool_FailsNamingThePool()
    {
        using var dir = new TempDir();
        TinyPrm.WritePool(dir["pool.jsonl"], 3);
        var prm = TinyPrm.Create(dir);
        var e = Assert.Throws<InvalidDataException>(() => Recipes.Run(Recipes.Parse(dir, Yaml(dir, prm, 4)), new ResumeRequest.Fresh()));
        Assert.Contains(dir["pool.jsonl"], e.Message);
        Assert.Contains("top_k", e.Message);
    }

    [Fact]
    public void SelectStage_PrmDevice_RunsOnTheCpu_AndRefusesACudaDeviceThisMachineLacks()
    {
        using var dir = new TempDir();
        TinyPrm.WritePool(dir["pool.jsonl"], 3);
        var prm = TinyPrm.Create(dir);
        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(dir, Yaml(dir, prm, 2), "prm.device=cpu"), new ResumeRequest.Fresh()).Outcome);

        bool cuda = ReasonFlux.Torch.torch.cuda.is_available();
        var missing = cuda ? $"cuda:{ReasonFlux.Torch.torch.cuda.device_count()}" : "cuda:0";
        using var other = new TempDir();
        TinyPrm.WritePool(other["pool.jsonl"], 3);
        var e = Assert.Throws<InvalidDataException>(() => Recipes.Run(Recipes.Parse(other, Yaml(other, prm, 2), $"prm.device={missing}"), new ResumeRequest.Fresh()));
        Assert.Contains($"prm.device is {missing} but this", e.Message);
        Assert.Contains(cuda ? "CUDA device(s)" : "libtorch build has no CUDA device", e.Message);
    }

    [Fact]
    public void ToItem_ConflictingPromptField_FailsWithFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["pool.jsonl"], "{\"question\":\"q\",\"response\":\"r\"}\n{\"question\":\"q\",\"response\":\"r\",\"prompt\":\"other\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => SelectionPool.Validate(dir["pool.jsonl"], new SelectionKeys(), "\n\n"));
        Assert.Contains($"{dir["pool.jsonl"]}:2:", e.Message);
        Assert.Contains("\"prompt\"", e.Message);
    }

    [Fact]
    public void Histogram_MarksThresholdAndSplitsKeptFromDropped()
    {
        double[] scores = [0.1, 0.2, 0.3, 0.8, 0.9];
        bool[] kept = [false, false, false, true, true];
        var svg = ScoreHistogramSvg.Render(scores, kept, 0.8, "t", bins: 5);
        Assert.Contains("kept (2)", svg);
        Assert.Contains("dropped (3)", svg);
        Assert.Contains("top 2 ≥ 0.8", svg);
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(svg, "<rect x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"[0-9.]+\" height=\"[0-9.]+\" fill=\"#").Count);
    }
}
