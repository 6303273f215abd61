using ReasonFlux.Recipes;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>
/// A scripted PRM that scores a step by the fraction of its characters that are lowercase letters: a random tiny
/// policy writes ~10% of them, so there is a learning signal from the first step.
/// </summary>
public sealed class LowercasePrm : IProcessRewardModel
{
    public int Calls;

    public IReadOnlyList<ProcessScore> Score(IReadOnlyList<(string Problem, IReadOnlyList<string> Steps)> items)
    {
        Calls++;
        return items.Select(item =>
        {
            var steps = item.Steps.Select(s => s.Length == 0 ? 0.0 : s.Count(char.IsAsciiLetterLower) / (double)s.Length).ToArray();
            return new ProcessScore(steps, steps.Length == 0 ? 0 : steps.Average());
        }).ToArray();
    }

    public void Dispose() { }
}

/// <summary>One-stage GRPO runs on builtin:tiny for tests: a recipe, a run, its metrics and output weights.</summary>
public static class GrpoTestKit
{
    /// <summary>A fast recipe: 2 prompts × 8 completions of at most 12 tokens, scripted PRM rewards, fp32.</summary>
    public static string Recipe(string dir, string runs, int steps, string processAdvantage = "sequence") => $"""
        run_name: grpo-test
        output_dir: {runs}
        kind: grpo
        model:
          path: builtin:tiny
          dtype: float32
        data:
          train: {dir}/prompts.jsonl
          max_prompt_tokens: 64
        rollout:
          group_size: 8
          prompts_per_step: 2
          max_new_tokens: 12
          temperature: 1.0
        reward:
          outcome_weight: 0.25
          process_weight: 0.75
          process_advantage: {processAdvantage}
          prm:
            path: {dir}/scripted-prm
        algorithm:
          beta_kl: 0.0
        optimizer:
          lr: 0.01
          max_grad_norm: 1.0
        training:
          steps: {steps}
          micro_batch_size: 8
          seed: 3
        checkpoint:
          save_every: 0
          keep_last: 1
        logging:
          progress: plain
        """;

    /// <summary>Writes the prompt file and the scripted PRM's folder under <paramref name="dir"/>.</summary>
    public static void WriteInputs(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "scripted-prm"));
        File.WriteAllText(Path.Combine(dir, "scripted-prm", "config.json"), "{}"); // the PRM itself is scripted
        File.WriteAllLines(Path.Combine(dir, "prompts.jsonl"), Enumerable.Range(0, 8).Select(i => $"{{\"problem\": \"Write something {i}\", \"answer\": \"{i}\"}}"));
    }

    /// <summary>Runs the recipe to completion (exit code 0) and returns its stage folder.</summary>
    public static string Run(string yaml, params string[] overrides) => Run(yaml, new LowercasePrm(), overrides);

    /// <summary>Runs the recipe with <paramref name="prm"/> as the process reward model.</summary>
    public static string Run(string yaml, IProcessRewardModel prm, params string[] overrides) =>
        Run(new GrpoRunner { ProcessRewardModelFactory = (_, _) => prm }, yaml, overrides);

    /// <summary>Runs the recipe through <paramref name="runner"/> (its PRM and evaluation as the test sets them).</summary>
    public static string Run(GrpoRunner runner, string yaml, params string[] overrides)
    {
        var recipe = RecipeLoader.Parse(yaml, "test.yaml", overrides);
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        var result = new RecipeRunner(new StageRunnerRegistry().Register(runner)).Run(recipe, ResumeRequest.Parse(null), interrupt, new RunSettings { Interactive = false });
        Assert.Equal(0, result.ExitCode);
        return Path.Combine(recipe.RunDirectory, "grpo");
    }

    /// <summary>metrics.jsonl of a stage folder, by name.</summary>
    public static Dictionary<string, MetricSeries> Metrics(string stage) =>
        MetricsFile.Read(Path.Combine(stage, "metrics.jsonl")).ToDictionary(m => m.Name);

    public static Dictionary<string, float[]> Weights(string dir)
    {
        using var loaded = ReasonFlux.Models.PretrainedModel.Load(dir);
        return loaded.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().ToArray<float>());
    }

    public static bool SameWeights(string a, string b)
    {
        var x = Weights(a);
        var y = Weights(b);
        return x.Keys.Order().SequenceEqual(y.Keys.Order()) && x.All(kv => kv.Value.SequenceEqual(y[kv.Key]));
    }
}
