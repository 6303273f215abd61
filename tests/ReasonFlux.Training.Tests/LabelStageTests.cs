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

    private static RunResult Run(Recipe recipe, StageRunnerRegistry? registry = null, TrainingInterrupt? interrupt = null)
    {
        using var owned = interrupt is null ? TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("second signal")) : null;
        return new RecipeRunner(registry ?? TrainingStages.RegisterAll(new StageRunnerRegistry()))
            .Run(recipe, new ResumeRequest.Fresh(), interrupt ?? owned!, new RunSettings { Interactive = false, BaseDirectory = RepoPaths.Root });
    }

    /// <summary>A label-only recipe on builtin:tiny over two problems (chains 77, 78, 73 and 11), two samples each.</summary>
    private static Recipe LabelOnly(TempDir dir)
    {
        File.WriteAllText(dir["problems.jsonl"], "{\"id\": \"a\", \"problem\": \"Compute 74 + 3 + 1 - 5.\", \"answer\": \"73\"}\n{\"id\": \"b\", \"problem\": \"Compute 10 + 1.\", \"answer\": 11}\n");
        return RecipeLoader.Parse($$"""
            run_name: scripted
            output_dir: "{{dir["runs"]}}"
            stages:
            {{LabelStage("builtin:tiny", dir["problems.jsonl"]).Replace("samples: 4", "samples: 2")}}
            """, dir["scripted.yaml"]);
    }

    [Fact]
    public void KnownCompletions_PromptsAsEval_LinesAndCountsAsLabelled_TheCutOneDropped()
    {
        using var dir = new TempDir();
        var recipe = LabelOnly(dir);
        string[][] script =
        [
            ["<think>\n74 + 3 = 77\n\n77 + 1 = 78\n\n78 - 5 = 73\n</think>\n\n\\boxed{73}", "<think>\n74 + 3 = 77\n\n77 + 1 = 79\n\n79 - 5 = 74\n</think>\n\n\\boxed{74}"],
            ["<think>\n10 + 1 = 11\n\n11 + 1 = 12\n\n12 + 1", "<think>\n10 + 1 = 11\n</think>\n\n\\boxed{11}"],
        ];
        TokenScript? generator = null;
        var registry = new StageRunnerRegistry().Register(new LabelRunner(model => generator = new TokenScript(model, (p, s) => script[p][s])));
        Assert.Equal(0, Run(recipe, registry).ExitCode);

        // Rendered as an eval stage renders them (the quickstart template, no system turn), sampled with the stage's seed.
        var call = Assert.Single(generator!.Calls);
        Assert.Equal(["<|im_start|>user\nCompute 74 + 3 + 1 - 5.<|im_end|>\n<|im_start|>assistant\n", "<|im_start|>user\nCompute 10 + 1.<|im_end|>\n<|im_start|>assistant\n"], call.Prompts);
        Assert.Equal((3L, 0.7, 40, 2), (call.Sampling.Seed, call.Sampling.Temperature, call.Sampling.MaxNewTokens, call.Samples));

        var output = Path.Combine(recipe.StageDirectory("label"), "output");
        var lines = JsonlReader.ReadAll(Path.Combine(output, LabelRunner.PrmFileName)).Select(r => r.Value).ToList();
        Assert.Equal([("a", 0), ("a", 1), ("b", 1)], lines.Select(l => ((string)l["id"]!, (int)l["sample"]!)));
        Assert.Equal(["[1,1,1,1]", "[1,0,null,null]", "[1,1]"], lines.Select(l => l["step_targets"]!.ToJsonString()));
        Assert.Equal(["10 + 1 = 11", "\\boxed{11}"], lines[2]["steps"]!.AsArray().Select(x => (string)x!));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(output, LabelRunner.SummaryFileName)))!;
        Assert.Equal((4, 3, 1, 1, 1, 0.5), ((int)summary["samples"]!, (int)summary["written"]!, (int)summary["dropped"]!,
            (int)summary["dropped_by_reason"]!["no-think-end"]!, (int)summary["truncated"]!, (double)summary["answer_accuracy"]!));
        Assert.Equal("{\"right\":5,\"wrong\":1,\"unlabelled\":1}", summary["step_targets"]!.ToJsonString());
        Assert.Equal("{\"right\":2,\"wrong\":0,\"unlabelled\":1}", summary["response_targets"]!.ToJsonString());
    }

    [Fact]
    public void Interrupted_ReturnsInterrupted_WritesNothing()
    {
        using var dir = new TempDir();
        var recipe = LabelOnly(dir);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("second signal"));
        var registry = new StageRunnerRegistry().Register(new LabelRunner(model => new TokenScript(model, (_, _) =>
        {
            // A signal arriving while the first batch is generated: the generator stops at the batch's end.
            if (!interrupt.IsRequested) interrupt.Request(System.Runtime.InteropServices.PosixSignal.SIGTERM);
            return "<think>\n10 + 1 = 11\n</think>\n\n\\boxed{11}";
        })));
        var run = Run(recipe, registry, interrupt);
        Assert.Equal(StageOutcome.Interrupted, run.Outcome);
        Assert.False(File.Exists(Path.Combine(recipe.StageDirectory("label"), "output", LabelRunner.PrmFileName)));
    }

    /// <summary>
    /// Known completions with their token ids, as the rollout engine returns them: the text is tokenized with the
    /// model's tokenizer (&lt;think&gt; and &lt;/think&gt; are its special tokens), ended by the stop token unless it is cut
    /// (no &lt;/think&gt;), and its eval-time text decoded without special tokens.
    /// </summary>
    private sealed class TokenScript(ReasonFlux.Models.LanguageModel model, Func<int, int, string> script) : ReasonFlux.Training.Eval.ICompletionGenerator
    {
        public List<(IReadOnlyList<string> Prompts, ReasonFlux.Rollout.SamplingParams Sampling, int Samples)> Calls { get; } = [];

        public IReadOnlyList<ReasonFlux.Training.Eval.GeneratedCompletion> Generate(IReadOnlyList<string> prompts, ReasonFlux.Rollout.SamplingParams sampling,
            int samplesPerPrompt, Action<ReasonFlux.Training.Eval.GeneratedCompletion>? onFinished = null, CancellationToken cancellationToken = default)
        {
            Calls.Add((prompts, sampling, samplesPerPrompt));
            var result = new List<ReasonFlux.Training.Eval.GeneratedCompletion>();
            for (int p = 0; p < prompts.Count; p++)
                for (int s = 0; s < samplesPerPrompt; s++)
                {
                    var text = script(p, s);
                    bool cut = !text.Contains("</think>");
                    var ids = model.Tokenizer.Encode(text).Concat(cut ? Array.Empty<int>() : new[] { model.StopTokenIds[0] }).ToArray();
                    var c = new ReasonFlux.Training.Eval.GeneratedCompletion(p, s, model.Tokenizer.Decode(ids, skipSpecialTokens: true), ids.Length,
                        cut ? ReasonFlux.Rollout.FinishReason.Length : ReasonFlux.Rollout.FinishReason.Stop) { TokenIds = ids };
                    result.Add(c);
                    onFinished?.Invoke(c);
                }
            cancellationToken.ThrowIfCancellationRequested();
            return result;
        }
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
