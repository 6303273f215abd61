using ReasonFlux.Recipes.Loading;

namespace ReasonFlux.Recipes.Tests;

public class RecipePlanTests
{
    private static StagePlan PaperGrpo(params string[] overrides) =>
        RecipePlan.Derive(RecipeLoader.Load(Path.Combine(RepoPaths.Recipes, "grpo-reasonflux-prm-7b.yaml"), overrides))[0];

    [Fact]
    public void Derive_PaperGrpoRecipe_MatchesReleasedScriptArithmetic()
    {
        var plan = PaperGrpo();
        Assert.Equal(32, plan["prompts_per_step"]);
        Assert.Equal(192, plan["sequences_per_step"]);          // 32 prompts × G = 6
        Assert.Equal(192, plan["grad_accumulation"]);            // micro batch 1, one update per step
        Assert.Equal(192, plan["global_batch"]);
        Assert.Equal(1, plan["optimizer_steps_per_step"]);
        Assert.Equal(500, plan["optimizer_steps"]);
        Assert.Equal(16_000, plan["prompts_total"]);
        Assert.Equal(192 * 16384, plan["generated_tokens_per_step_max"]);
        Assert.Equal(192 * (512 + 16384), plan["tokens_per_step_max"]);
        Assert.Equal(192, plan["prm_sequences_per_step"]);
        Assert.Equal(25, plan["checkpoints"]);
        Assert.Null(plan["train_prompts"]); // data downloaded by the user, not present here
    }

    [Fact]
    public void Derive_WithOverrides_RecomputesBatchNumbers()
    {
        var plan = PaperGrpo("grpo.training.micro_batch_size=4", "grpo.training.grad_accumulation=12", "grpo.training.ppo_epochs=2", "grpo.reward.process_weight=0");
        Assert.Equal(48, plan["global_batch"]);
        Assert.Equal(8, plan["optimizer_steps_per_step"]);      // 192 / 48 × 2 epochs
        Assert.Equal(4000, plan["optimizer_steps"]);
        Assert.Equal(0, plan["prm_sequences_per_step"]);
    }

    [Fact]
    public void Derive_SftWithDataFile_TurnsEpochsIntoSteps()
    {
        var dir = Directory.CreateTempSubdirectory("rf-plan-").FullName;
        try
        {
            var data = Path.Combine(dir, "train.jsonl");
            File.WriteAllLines(data, Enumerable.Range(0, 100).Select(i => $"{{\"prompt\":\"{i}\",\"completion\":\"x\"}}").Append(""));
            var recipe = RecipeLoader.Parse($"kind: sft\nmodel: {{path: m}}\ndata:\n  train: {data}\n  max_seq_len: 512\ntraining:\n  epochs: 2\n  micro_batch_size: 4\n  grad_accumulation: 4\n", "s.yaml");
            var plan = RecipePlan.Derive(recipe)[0];
            Assert.Equal(100, plan["train_examples"]);
            Assert.Equal(16, plan["global_batch"]);
            Assert.Equal(13, plan["optimizer_steps"]);              // ceil(100 × 2 / 16)
            Assert.Equal(16 * 512, plan["tokens_per_step_max"]);
            Assert.Equal(2, plan["epochs"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Derive_Eval_CountsSamplesFromBenchmarkSize()
    {
        var plan = RecipePlan.Derive(RecipeLoader.Parse("kind: eval\nmodel: {path: m}\nbenchmark: aime24\nn: 16\nsampling: {temperature: 1.0, max_new_tokens: 1000}\n", "e.yaml"))[0];
        Assert.Equal(30, plan["problems"]);
        Assert.Equal(480, plan["samples"]);
        Assert.Equal(480_000, plan["generated_tokens_max"]);
        // Best-of-N reuses the n samples (max(n, best_of_n) are drawn), it does not multiply them.
        var bon = RecipePlan.Derive(RecipeLoader.Parse("kind: eval\nmodel: {path: m}\nbenchmark: aime24\nn: 4\nbest_of_n: 8\nprm: {path: p}\nsampling: {temperature: 1.0}\n", "e.yaml"))[0];
        Assert.Equal(240, bon["samples"]);
    }

    [Fact]
    public void Format_ListsEveryStageAndNumber()
    {
        var text = RecipePlan.Format(RecipePlan.Derive(RecipeLoader.Load(Path.Combine(RepoPaths.Recipes, "quickstart.yaml"))));
        Assert.Contains("stage sft (sft) → checkpoints/quickstart/sft/output", text);
        Assert.Contains("stage grpo (grpo)", text);
        Assert.Contains("sequences (completions) per step", text);
        Assert.Matches(@"sequences \(completions\) per step\s+32 ", text);
        Assert.Contains("stage report (report)", text);
    }

    [Fact]
    public void Indexer_UnknownKey_Throws() =>
        Assert.Throws<KeyNotFoundException>(() => PaperGrpo()["no_such_number"]);
}
