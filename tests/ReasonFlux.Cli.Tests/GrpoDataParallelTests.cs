namespace ReasonFlux.Cli.Tests;

/// <summary>
/// Data-parallel GRPO through launch: each rank samples its own prompts' groups, the run ends with the same
/// weights on both ranks (the trainer compares checksums at the end and fails otherwise), and rank 0's metrics
/// cover both ranks' groups.
/// </summary>
public class GrpoDataParallelTests
{
    [Fact]
    public void TwoRanks_TrainWithIdenticalWeights_AndSplitThePrompts()
    {
        using var dir = new TempDir();
        var limit = TimeSpan.FromMinutes(4);
        var (made, madeOutput) = CliProcess.Run(null, limit, "make-data", "quickstart", "--seed", "1", "--out", dir["data"]);
        Assert.True(made == 0, madeOutput);
        var recipe = dir["grpo.yaml"];
        File.WriteAllText(recipe, $$"""
            run_name: grpo-dp
            output_dir: "{{dir["runs"]}}"
            distributed: {backend: gloo, timeout_s: 60}
            kind: grpo
            model: {path: "builtin:tiny", dtype: float32, save_dtype: float32, gradient_checkpointing: false}
            data: {train: "{{dir["data/grpo.jsonl"]}}", max_prompt_tokens: 128}
            rollout: {group_size: 4, prompts_per_step: 4, max_new_tokens: 12, temperature: 1.0}
            reward: {outcome_weight: 1.0, process_weight: 0.0, outcome: strict-boxed}
            algorithm: {beta_kl: 0.01}
            optimizer: {lr: 1.0e-3}
            training: {steps: 3, micro_batch_size: 4, grad_accumulation: 1, seed: 1}
            checkpoint: {save_every: 0}
            logging: {progress: plain, tensorboard: false}
            """);
        var (code, output) = CliProcess.Run(null, limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", recipe);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(dir["runs"], "grpo-dp", "grpo", "output", "model.safetensors")));
        var metrics = File.ReadAllLines(Path.Combine(dir["runs"], "grpo-dp", "grpo", "metrics.jsonl"));
        Assert.Equal(3, metrics.Length);
        // 2 ranks × 2 prompts × 4 rollouts = 16 sequences; rollout/batches sums both ranks' generation batches.
        Assert.Contains("\"rollout/batches\":2", metrics[0]);

        // An odd prompts_per_step cannot keep whole groups on the ranks: refused, naming the key.
        (code, output) = CliProcess.Run(null, limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", recipe, "--set", "run_name=odd", "--set", "rollout.prompts_per_step=3");
        Assert.NotEqual(0, code);
        Assert.Contains("rollout.prompts_per_step 3 does not split over 2 ranks", output);
    }
}
