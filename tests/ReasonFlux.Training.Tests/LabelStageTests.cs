using System.Diagnostics;
using System.Text.Json.Nodes;
using ReasonFlux.IO;
using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Recipes.Options;
using ReasonFlux.Runs;
using ReasonFlux.Tests.Shared;
using ReasonFlux.Training.Data;
using ReasonFlux.Training.Label;
using ReasonFlux.Training.Prm;
using Xunit.Abstractions;

namespace ReasonFlux.Training.Tests;

/// <summary>
/// The label stage end to end: a data stage writes prm_problems.jsonl, a short SFT teaches builtin:tiny the solution
/// layout (a random tiny model never writes &lt;/think&gt;, so every sample would be dropped), the label stage samples
/// and labels it, and a prm stage trains on the result.
/// </summary>
public class LabelStageTests(ITestOutputHelper output)
{
    private static readonly string Template = Path.Combine(RepoPaths.Root, "recipes", "data", "quickstart", "chat_template.jinja");

    private static string LabelStage(string model, string problems) => $$"""
          - kind: label
            model: { path: "{{model}}", dtype: float32, chat_template: "{{Template}}" }
            data: { problems: "{{problems}}" }
            task: quickstart
            samples: 4
            sampling: { max_new_tokens: 40, temperature: 0.7 }
            labels: first-error
            seed: 3
            system_prompt: ""
            logging: { progress: plain, tensorboard: false }
        """;

    private static Recipe Pipeline(TempDir dir) => RecipeLoader.Parse($$"""
        run_name: labelled
        output_dir: "{{dir["runs"]}}"
        stages:
          - kind: data
            seed: 2
            problems: { min_operations: 1, max_operations: 1, min_operand: 1, max_operand: 9, min_value: 10, max_value: 99, carries: false }
            sizes: { sft: 400, grpo: 4, eval: 4, pool: 4, prm: 4, prm_policy: 6 }
          - kind: sft
            model: { path: builtin:tiny, dtype: float32, gradient_checkpointing: false, chat_template: "{{Template}}" }
            data: { train: "${stages.data.output}/sft.jsonl", max_seq_len: 128 }
            optimizer: { lr: 6.0e-3, schedule: constant, warmup_steps: 10 }
            training: { steps: 100, micro_batch_size: 16, grad_accumulation: 1, seed: 1 }
            checkpoint: { save_every: 0, keep_last: 1 }
            logging: { progress: plain, tensorboard: false }
        {{LabelStage("${stages.sft.output}", "${stages.data.output}/prm_problems.jsonl")}}
          - kind: prm
            model: { path: "${stages.sft.output}", dtype: float32, gradient_checkpointing: false }
            data: { train: "${stages.label.output}/prm.jsonl", max_seq_len: 128 }
            training: { steps: 2, micro_batch_size: 4, grad_accumulation: 1, seed: 1 }
            checkpoint: { save_every: 0, keep_last: 1 }
            logging: { progress: plain, tensorboard: false }
        """, dir["labelled.yaml"]);

    private static RunResult Run(Recipe recipe)
    {
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("second signal"));
        return new RecipeRunner(TrainingStages.RegisterAll(new StageRunnerRegistry()))
            .Run(recipe, new ResumeRequest.Fresh(), interrupt, new RunSettings { Interactive = false, BaseDirectory = RepoPaths.Root });
    }

    [Fact]
    public void Pipeline_LabelsTheSftPolicysSamples_PrmStageTrainsOnThem_SameRecipeSameFile()
    {
        using var dir = new TempDir();
        var recipe = Pipeline(dir);
        var watch = Stopwatch.StartNew();
        var run = Run(recipe);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["data", "sft", "label", "prm"], run.CompletedStages);
        output.WriteLine($"pipeline: {watch.Elapsed.TotalSeconds:F1} s");

        string Output(string stage, string file) => Path.Combine(recipe.StageDirectory(stage), "output", file);
        var summary = JsonNode.Parse(File.ReadAllText(Output("label", LabelRunner.SummaryFileName)))!;
        output.WriteLine(summary.ToJsonString());
        foreach (var l in JsonlReader.ReadAll(Output("label", LabelRunner.PrmFileName)).Take(3)) output.WriteLine(l.Value.ToJsonString());
        var lines = JsonlReader.ReadAll(Output("label", LabelRunner.PrmFileName));
        Assert.Equal(6, (int)summary["problems"]!);
        Assert.Equal(24, (int)summary["samples"]!);
        Assert.Equal(lines.Count, (int)summary["written"]!);
        Assert.Equal(24, (int)summary["written"]! + (int)summary["dropped"]!);
        Assert.Equal((int)summary["dropped"]!, summary["dropped_by_reason"]!.AsObject().Sum(kv => (int)kv.Value!));
        Assert.True(lines.Count > 0, "every sample was dropped: the SFT policy never closed its <think>");
        Assert.InRange((double)summary["answer_accuracy"]!, 0, 1);
        Assert.True((double)summary["seconds"]! > 0);

        var problems = JsonlReader.ReadAll(Output("data", "prm_problems.jsonl")).ToDictionary(r => (string)r.Value["id"]!, r => (string)r.Value["problem"]!);
        var prm = ((PrmTrainOptions)recipe.Stages[3]).Data;
        foreach (var line in lines)
        {
            var (question, steps, targets, final) = PrmTrainingSet.ReadFields(line, prm);
            Assert.Equal(problems[(string)line.Value["id"]!], question);
            Assert.InRange((int)line.Value["sample"]!, 0, 3);
            // first-error: a target is null exactly when an earlier think step is wrong, and so is the trajectory's.
            int firstWrong = Array.FindIndex(targets, t => t == 0);
            Assert.All(targets.Select((t, i) => (t, i)), x => Assert.Equal(firstWrong >= 0 && x.i > firstWrong, x.t is null));
            Assert.Equal(firstWrong >= 0 && firstWrong < steps.Length - 1, final is null);
            Assert.Equal((string)line.Value["quality"]! == "correct", final == 1);
        }
        Assert.True(File.Exists(Output("prm", "config.json")));

        // The same stage on its own, reading the pipeline's files: the same seed gives the same lines.
        var again = RecipeLoader.Parse($$"""
            run_name: again
            output_dir: "{{dir["runs"]}}"
            stages:
            {{LabelStage(Path.Combine(recipe.StageDirectory("sft"), "output"), Output("data", "prm_problems.jsonl"))}}
            """, dir["again.yaml"]);
        Assert.Equal(0, Run(again).ExitCode);
        Assert.Equal(File.ReadAllBytes(Output("label", LabelRunner.PrmFileName)),
            File.ReadAllBytes(Path.Combine(again.StageDirectory("label"), "output", LabelRunner.PrmFileName)));
    }

    [Fact]
    public void DryRun_DescribesTheStage_AndChecksTheProblemsFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["problems.jsonl"], "{\"id\": \"a\", \"problem\": \"Compute 74 + 3 + 1 - 5.\", \"answer\": \"73\"}\n{\"problem\": \"What is 1+1?\", \"answer\": \"2\"}\n");
        var recipe = RecipeLoader.Parse($$"""
            run_name: plan
            output_dir: "{{dir["runs"]}}"
            stages:
            {{LabelStage("builtin:tiny", dir["problems.jsonl"])}}
            """, dir["plan.yaml"]);
        var plan = Assert.Single(RecipePlan.Derive(recipe));
        Assert.Equal(2, plan["problems"]);
        Assert.Equal(8, plan["samples"]);
        Assert.Equal(8 * 40, plan["generated_tokens_max"]);
        Assert.Contains("stage label (label)", RecipePlan.Format([plan]));
        Assert.Contains("prm.jsonl", RecipePlan.Format([plan]));

        var error = Assert.Single(RecipeDataCheck.Check(recipe).Errors);
        Assert.StartsWith($"{dir["problems.jsonl"]}:2: field \"problem\": problem text \"What is 1+1?\" is not a chain problem", error);
        Assert.EndsWith("(data.problems)", error);
    }

    [Theory]
    [InlineData("{\"problem\": \"Compute 74 + 3 + 1 - 5.\", \"answer\": \"72\"}", "field \"answer\" is \"72\" but \"Compute 74 + 3 + 1 - 5.\" comes to 73")]
    [InlineData("{\"problem\": \"Compute 74 +3.\", \"answer\": \"77\"}", "is not a chain problem")]
    [InlineData("{\"question\": \"Compute 74 + 3.\", \"answer\": \"77\"}", "missing required field \"problem\"")]
    public void Problems_BadLine_ErrorNamesFileAndLine(string line, string message)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["p.jsonl"], "{\"problem\": \"Compute 10 + 1.\", \"answer\": 11}\n" + line + "\n");
        var e = Assert.Throws<InvalidDataException>(() => LabelProblems.Load(dir["p.jsonl"], DataTask.Quickstart));
        Assert.StartsWith(dir["p.jsonl"] + ":2: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
