using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Rewards;
using ReasonFlux.Runs;
using Xunit.Abstractions;

namespace ReasonFlux.Training.Prm.Tests;

public class PrmTrainRunnerTests(ITestOutputHelper output)
{
    private static string Yaml(TempDir dir, string head = "two-class", long steps = 160, string loss = "mse", string extra = "") => $$"""
        run_name: prm
        output_dir: "{{dir["runs"]}}"
        kind: prm
        model:
          path: "builtin:tiny"
          dtype: float32
        head: {{head}}
        data:
          train: "{{dir["train.jsonl"]}}"
          max_seq_len: 256
        loss:
          loss: {{loss}}
        optimizer:
          lr: 0.003
          schedule: constant
          weight_decay: 0
        training:
          steps: {{steps}}
          micro_batch_size: 16
          grad_accumulation: 1
          seed: 3
        checkpoint:
          save_every: 0
        logging:
          progress: plain
          tensorboard: false
        {{extra}}
        """;

    private static List<JsonObject> Metrics(TempDir dir) =>
        File.ReadAllLines(Path.Combine(dir["runs"], "prm", "prm", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Train_FlawedArithmeticSteps_LowersLossAndRanksCorrectStepsAboveFlawed()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(600, seed: 1));
        var result = Recipes.Run(Recipes.Parse(dir, Yaml(dir)), new ResumeRequest.Fresh());
        Assert.Equal(StageOutcome.Completed, result.Outcome);

        var metrics = Metrics(dir);
        double first = metrics.Take(10).Average(m => (double)m["loss"]!), last = metrics.TakeLast(10).Average(m => (double)m["loss"]!);
        output.WriteLine($"loss: first 10 steps {first:0.####}, last 10 steps {last:0.####}");
        Assert.All(metrics, m => Assert.True(m.ContainsKey("loss/step") && m.ContainsKey("loss/final") && m.ContainsKey("lr") && m.ContainsKey("grad_norm")));

        var outDir = Path.Combine(dir["runs"], "prm", "prm", "output");
        using var scorer = PrmScorer.Load(outDir);
        Assert.Equal(PrmHeadKind.TwoClass, scorer.Head);
        var heldOut = ArithmeticSteps.Generate(150, seed: 99);
        var scores = scorer.Score(heldOut.Select(i => PrmSample.FromSteps(i.Question, i.Steps)).ToArray());
        var stepScores = scores.SelectMany(s => s.StepScores).ToArray();
        var labels = heldOut.SelectMany(i => i.Targets.Select(t => t == 1)).ToArray();
        Assert.Equal(labels.Length, stepScores.Length);
        double auc = ArithmeticSteps.Auc(stepScores, labels);
        output.WriteLine($"held-out step AUC (correct vs flawed): {auc:0.###} over {labels.Length} steps");
        Assert.True(auc > 0.8, $"AUC {auc}");
        Assert.True(last < 0.7 * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Train_WithHeldOutSet_LogsEvalLossAtStepZeroEveryNAndLast()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(80, seed: 6));
        ArithmeticSteps.Write(dir["held.jsonl"], ArithmeticSteps.Generate(16, seed: 7));
        var yaml = Yaml(dir, steps: 20).Replace("  max_seq_len: 256", $"  max_seq_len: 256\n  eval: \"{dir["held.jsonl"]}\"\n  eval_every: 10");
        Recipes.Run(Recipes.Parse(dir, yaml), new ResumeRequest.Fresh());
        var evals = Metrics(dir).Where(m => m.ContainsKey(PrmTrainRunner.EvalLossMetric)).ToList();
        Assert.Equal([0L, 10, 20], evals.Select(m => (long)m["step"]!));
        var values = evals.Select(m => (double)m[PrmTrainRunner.EvalLossMetric]!).ToList();
        Assert.All(values, v => Assert.True(double.IsFinite(v) && v > 0));
        Assert.True(values[^1] < values[0], $"eval_loss {string.Join(" ", values)} did not fall");
    }

    [Fact]
    public void Train_Output_IsHuggingFaceProcessRewardModelFolder()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(40, seed: 2));
        Recipes.Run(Recipes.Parse(dir, Yaml(dir, steps: 2)), new ResumeRequest.Fresh());
        var outDir = Path.Combine(dir["runs"], "prm", "prm", "output");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!;
        Assert.Equal("Qwen2ForProcessRewardModel", (string)config["architectures"]![0]!);
        using var checkpoint = SafetensorsCheckpoint.Open(outDir);
        foreach (var key in new[] { "model.embed_tokens.weight", "model.norm.weight", "model.layers.1.mlp.down_proj.weight", "score.0.weight", "score.0.bias", "score.2.weight", "score.2.bias" })
            Assert.True(checkpoint.Contains(key), key);
        Assert.False(checkpoint.Contains("lm_head.weight"));
        Assert.True(File.Exists(Path.Combine(outDir, "tokenizer.json")));
        Assert.Contains("chat_template", File.ReadAllText(Path.Combine(outDir, "tokenizer_config.json")));
    }

    [Fact]
    public void Train_InterruptedThenResumed_EqualsUninterruptedRun()
    {
        using var straight = new TempDir();
        using var resumed = new TempDir();
        foreach (var d in new[] { straight, resumed }) ArithmeticSteps.Write(d["train.jsonl"], ArithmeticSteps.Generate(40, seed: 5));

        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(straight, Yaml(straight, steps: 4)), new ResumeRequest.Fresh()).Outcome);

        var recipe = Recipes.Parse(resumed, Yaml(resumed, steps: 4));
        var first = Recipes.Run(recipe, new ResumeRequest.Fresh(), interruptAfterFirst: true);
        Assert.Equal(StageOutcome.Interrupted, first.Outcome);
        Assert.True(Directory.Exists(Path.Combine(resumed["runs"], "prm", "prm", "step-1")));
        Assert.Equal(StageOutcome.Completed, Recipes.Run(recipe, new ResumeRequest.Auto()).Outcome);

        var a = File.ReadAllBytes(Path.Combine(straight["runs"], "prm", "prm", "output", "model.safetensors"));
        var b = File.ReadAllBytes(Path.Combine(resumed["runs"], "prm", "prm", "output", "model.safetensors"));
        Assert.Equal(a, b);
        var la = Metrics(straight).Select(m => (double)m["loss"]!).ToArray();
        var lb = Metrics(resumed).Select(m => (double)m["loss"]!).ToArray();
        Assert.Equal(la, lb);
    }

    [Fact]
    public void Train_ScalarHeadWithBce_WritesReleasedScalarLayoutThatScores()
    {
        using var dir = new TempDir();
        ArithmeticSteps.Write(dir["train.jsonl"], ArithmeticSteps.Generate(40, seed: 4));
        Assert.Equal(StageOutcome.Completed, Recipes.Run(Recipes.Parse(dir, Yaml(dir, head: "scalar", steps: 3, loss: "bce")), new ResumeRequest.Fresh()).Outcome);
        var outDir = Path.Combine(dir["runs"], "prm", "prm", "output");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!;
        Assert.Equal("Qwen2ForCausalLM", (string)config["architectures"]![0]!);
        using (var head = SafetensorsFile.Open(Path.Combine(outDir, "reward_head.safetensors")))
            Assert.Equal(["bias", "weight"], head.Tensors.Select(t => t.Name).Order());
        using var scorer = PrmScorer.Load(outDir);
        Assert.Equal(PrmHeadKind.Scalar, scorer.Head);
        var score = scorer.Score("Add.", "1+2=3");
        Assert.InRange(score.Score, 0, 1);
        Assert.DoesNotContain(Metrics(dir), m => m.ContainsKey("loss/step"));
    }

    [Fact]
    public void Train_TargetOutOfRange_FailsNamingFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["train.jsonl"],
            "{\"question\":\"q\",\"steps\":[\"a\"],\"step_targets\":[1],\"final_target\":1}\n" +
            "{\"question\":\"q\",\"steps\":[\"a\",\"b\"],\"step_targets\":[1,1.5],\"final_target\":1}\n");
        var e = Assert.Throws<InvalidDataException>(() => Recipes.Run(Recipes.Parse(dir, Yaml(dir, steps: 1)), new ResumeRequest.Fresh()));
        Assert.Contains($"{dir["train.jsonl"]}:2:", e.Message);
        Assert.Contains("step_targets", e.Message);
    }

    [Fact]
    public void Train_TargetCountDiffersFromSteps_FailsNamingFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["train.jsonl"], "{\"question\":\"q\",\"steps\":[\"a\",\"b\"],\"step_targets\":[1],\"final_target\":0}\n");
        var e = Assert.Throws<InvalidDataException>(() => Recipes.Run(Recipes.Parse(dir, Yaml(dir, steps: 1)), new ResumeRequest.Fresh()));
        Assert.Contains($"{dir["train.jsonl"]}:1:", e.Message);
    }
}
