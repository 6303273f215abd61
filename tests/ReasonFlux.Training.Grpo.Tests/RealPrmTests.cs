using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using ReasonFlux.Recipes.Loading;
using ReasonFlux.Runs;
using ReasonFlux.Training.Grpo;

namespace ReasonFlux.Training.Grpo.Tests;

/// <summary>The whole chain with a real (tiny, random) Qwen2ForProcessRewardModel: GRPO's step-level process rewards and eval's Best-of-N.</summary>
[Collection("GrpoStatics")]
public sealed class RealPrmTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rf-realprm-" + Guid.NewGuid().ToString("N"));

    public RealPrmTests()
    {
        Directory.CreateDirectory(_dir);
        var prm = Path.Combine(_dir, "prm");
        var config = BuiltinModels.Config("tiny") with { Architectures = [PretrainedModel.ProcessRewardModel] };
        using (var model = PretrainedModel.Create(config, seed: 7)) PretrainedModel.Save(model, config, prm);
        File.WriteAllText(Path.Combine(prm, "tokenizer.json"), BuiltinModels.TokenizerJson().ToJsonString());
        File.WriteAllText(Path.Combine(prm, "tokenizer_config.json"), BuiltinModels.TokenizerConfigJson().ToJsonString());
        File.WriteAllLines(Path.Combine(_dir, "prompts.jsonl"), Enumerable.Range(0, 4).Select(i => $"{{\"problem\": \"What is {i} + 1?\", \"answer\": \"{i + 1}\"}}"));
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void GrpoWithStepLevelPrmRewards_ThenEvalWithBestOfN_Completes()
    {
        var yaml = $$"""
            run_name: real-prm
            output_dir: {{_dir}}/runs
            stages:
              - kind: grpo
                model: { path: "builtin:tiny", dtype: float32 }
                data: { train: {{_dir}}/prompts.jsonl, max_prompt_tokens: 128 }
                rollout: { group_size: 4, prompts_per_step: 2, max_new_tokens: 16 }
                reward:
                  outcome_weight: 0.25
                  process_weight: 0.75
                  process_advantage: step
                  prm: { path: {{_dir}}/prm, dtype: float32 }
                algorithm: { beta_kl: 0.01 }
                optimizer: { lr: 1.0e-3 }
                training: { steps: 2, micro_batch_size: 4, seed: 1 }
                checkpoint: { save_every: 0, keep_last: 1 }
              - kind: eval
                model: { path: "${stages.grpo.output}", dtype: float32 }
                benchmark: {{_dir}}/prompts.jsonl
                n: 2
                best_of_n: 2
                prm: { path: {{_dir}}/prm, dtype: float32 }
                sampling: { max_new_tokens: 16, temperature: 1.0 }
            """;
        var registry = TrainingStages.RegisterAll(new StageRunnerRegistry());
        var recipe = RecipeLoader.Parse(yaml, "real-prm.yaml");
        using var interrupt = TrainingInterrupt.CreateDetached(_ => throw new InvalidOperationException("exit"));
        var result = new RecipeRunner(registry).Run(recipe, ResumeRequest.Parse(null), interrupt, new RunSettings { Interactive = false });
        Assert.Equal(0, result.ExitCode);
        var grpo = MetricsFile.Read(Path.Combine(recipe.RunDirectory, "grpo", "metrics.jsonl"));
        var process = grpo.Single(m => m.Name == MetricNames.RewardProcess).Values;
        Assert.All(process, p => Assert.InRange(p, 0.0, 2.0)); // mean step score + α·final, each in (0, 1)
        Assert.True(grpo.Single(m => m.Name == MetricNames.Kl).Values.All(double.IsFinite));
        var summary = File.ReadAllText(Path.Combine(recipe.RunDirectory, "eval", "output", "summary.json"));
        Assert.Contains("bon@2", summary);
    }
}
