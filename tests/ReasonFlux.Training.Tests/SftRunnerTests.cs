using ReasonFlux.Models;
using ReasonFlux.Models.Weights;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Torch;

namespace ReasonFlux.Training.Tests;

public class SftRunnerTests
{
    private static readonly string QuickstartData = RepoPaths.TestData("sft-addition", "sft.jsonl");

    private static IReadOnlyList<double> Metric(string stageDirectory, string name) =>
        MetricsFile.Read(Path.Combine(stageDirectory, "metrics.jsonl")).Single(s => s.Name == name).Values;

    [Fact]
    public void Run_QuickstartData_LowersTheLossAndWritesALoadableModel()
    {
        using var dir = new TempDir();
        const double lr = 6e-3;
        var recipe = SftRecipes.Write(dir, QuickstartData, steps: 40, lr: lr);
        var result = SftRecipes.Run(recipe, new ResumeRequest.Fresh());
        Assert.Equal(StageOutcome.Completed, result.Outcome);

        var stage = SftRecipes.StageDirectory(recipe);
        var loss = Metric(stage, MetricNames.Loss);
        Assert.Equal(40, loss.Count);
        double first = loss.Take(3).Average(), last = loss.TakeLast(3).Average();
        Assert.True(last < 0.3 * first, $"loss {first:F3} → {last:F3}: {string.Join(" ", loss.Select(l => l.ToString("F2")))}");
        Assert.All(Metric(stage, MetricNames.GradNorm), g => Assert.True(g > 0));
        Assert.All(Metric(stage, "tokens"), t => Assert.True(t > 8 * 10));
        Assert.Equal(lr / 3, Metric(stage, MetricNames.LearningRate)[0], 1e-12);

        using var trained = LanguageModel.Load(Path.Combine(stage, "output"), device: Device.CPU);
        Assert.Equal(ScalarType.Float32, trained.Model.Model.DType);
        Assert.Equal(258, trained.Tokenizer.EosTokenId);
    }

    /// <summary>A ChatML variant that marks every turn, so a test can tell it from the model folder's own template.</summary>
    public const string MarkedTemplate =
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\nMARKED {{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    [Fact]
    public void Run_RecipeChatTemplate_IsSavedWithTheTrainedModel()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["marked.jinja"], MarkedTemplate);
        var recipe = SftRecipes.Write(dir, QuickstartData, steps: 1, overrides: $"sft.model.chat_template={dir["marked.jinja"]}");
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(recipe, new ResumeRequest.Fresh()).Outcome);

        var output = Path.Combine(SftRecipes.StageDirectory(recipe), "output");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "tokenizer_config.json")))!;
        Assert.Equal(MarkedTemplate, (string)config["chat_template"]!);
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
        using var trained = LanguageModel.Load(output, device: Device.CPU);
        Assert.Contains("MARKED hi", trained.ChatTemplate.Render([Tokenizers.ChatMessage.User("hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void Run_InterruptedThenResumeAuto_EndsBitIdenticalToAnUninterruptedRun()
    {
        using var dir = new TempDir();
        // Accumulation, shuffling across an epoch boundary (8 steps × 8 = 64 = one epoch + the next one's start with 10 steps),
        // periodic saves with keep_last 1 (the checkpoint resumed from gets pruned while training goes on).
        var epochOf64 = dir["sft-64.jsonl"];
        File.WriteAllLines(epochOf64, File.ReadLines(QuickstartData).Take(64));
        var whole = SftRecipes.Write(dir, epochOf64, steps: 10, microBatch: 4, accumulation: 2, saveEvery: 2, keepLast: 1, runName: "whole");
        Assert.Equal(StageOutcome.Completed, SftRecipes.Run(whole, new ResumeRequest.Fresh()).Outcome);

        var split = SftRecipes.Write(dir, epochOf64, steps: 10, microBatch: 4, accumulation: 2, saveEvery: 2, keepLast: 1, runName: "split");
        var stopped = SftRecipes.Run(split, new ResumeRequest.Fresh(), interruptAfter: 5);
        Assert.Equal((StageOutcome.Interrupted, 75), (stopped.Outcome, stopped.ExitCode));
        Assert.Equal([5L], CheckpointStore.ListSteps(SftRecipes.StageDirectory(split)));
        Assert.False(Directory.Exists(Path.Combine(SftRecipes.StageDirectory(split), "output")));

        var resumed = SftRecipes.Run(split, new ResumeRequest.Auto());
        Assert.Equal(StageOutcome.Completed, resumed.Outcome);

        var expected = TensorFiles.Read(Path.Combine(SftRecipes.StageDirectory(whole), "output", "model.safetensors"));
        var actual = TensorFiles.Read(Path.Combine(SftRecipes.StageDirectory(split), "output", "model.safetensors"));
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, tensor) in expected)
                Assert.True(tensor.ToFloatArray().AsSpan().SequenceEqual(actual[name].ToFloatArray()), $"{name} differs");
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
        // The resumed steps saw the same batches: same losses, step by step.
        Assert.Equal(Metric(SftRecipes.StageDirectory(whole), MetricNames.Loss), Metric(SftRecipes.StageDirectory(split), MetricNames.Loss));
    }

    [Fact]
    public void Run_BadDataLine_FailsWithFileAndLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.jsonl"], "{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"a\", \"answer\": \"b\"}\n");
        var recipe = SftRecipes.Write(dir, dir["bad.jsonl"], steps: 2);
        var e = Assert.Throws<InvalidDataException>(() => SftRecipes.Run(recipe, new ResumeRequest.Fresh()));
        Assert.Equal($"{dir["bad.jsonl"]}:3: missing required field \"completion\"", e.Message);
    }

    [Fact]
    public void Run_EpochsInsteadOfSteps_DerivesTheStepCount()
    {
        Assert.Equal(8, Sft.SftRunner.TotalSteps(new Recipes.Options.TrainingOptions { Epochs = 1, MicroBatchSize = 4, GradAccumulation = 2 }, 64));
        Assert.Equal(3, Sft.SftRunner.TotalSteps(new Recipes.Options.TrainingOptions { Epochs = 0.5, MicroBatchSize = 4, GradAccumulation = 1 }, 21));
        Assert.Equal(7, Sft.SftRunner.TotalSteps(new Recipes.Options.TrainingOptions { Steps = 7 }, 21));
    }
}
