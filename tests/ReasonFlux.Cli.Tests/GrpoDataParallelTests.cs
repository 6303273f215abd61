using System.Text.Json.Nodes;

namespace ReasonFlux.Cli.Tests;

/// <summary>
/// Data-parallel GRPO through launch: each rank samples its own prompts' groups (the groups one process samples, by
/// per-prompt random streams), the run ends with the weights of one process with twice the accumulation (and of
/// ZeRO-1 on the same two ranks), and rank 0's metrics cover both ranks' groups.
/// </summary>
public class GrpoDataParallelTests
{
    [Fact]
    public void TwoRanks_EndWithTheWeightsOfOneProcessWithTwiceTheAccumulation_AndOfZero1_AndSplitThePrompts()
    {
        using var dir = new TempDir();
        var limit = TimeSpan.FromMinutes(4);
        var (made, madeOutput) = CliProcess.Run(null, limit, "make-data", "quickstart", "--seed", "1", "--out", dir["data"]);
        Assert.True(made == 0, madeOutput);
        var recipe = dir["grpo.yaml"];
        // The tiny random policy never answers, so the outcome reward is 0 for all: a reward that varies with the
        // completion (its JSON line's length mod 7, by a shell loop) gives nonzero advantages. Per rank each step is
        // 2 prompts x 4 rollouts in 2 updates of 4, which one process matches with grad_accumulation 2.
        File.WriteAllText(recipe, $$"""
            run_name: grpo-dp
            output_dir: "{{dir["runs"]}}"
            distributed: {backend: gloo, timeout_s: 60}
            kind: grpo
            model: {path: "builtin:tiny", dtype: float32, save_dtype: float32, gradient_checkpointing: false}
            data: {train: "{{dir["data/grpo.jsonl"]}}", max_prompt_tokens: 128}
            rollout: {group_size: 4, prompts_per_step: 4, max_new_tokens: 12, temperature: 1.0, stop: ["a", "e", "o", " "]}
            reward:
              outcome_weight: 1.0
              process_weight: 0.0
              outcome: strict-boxed
              extra: [{command: "while read -r l; do echo $(( $(printf %s \"$l\" | wc -c) % 7 )); done", weight: 1}]
            algorithm: {beta_kl: 0.01}
            optimizer: {lr: 1.0e-3}
            training: {steps: 3, micro_batch_size: 4, grad_accumulation: 1, seed: 1}
            checkpoint: {save_every: 0}
            logging: {progress: plain, tensorboard: false}
            """);
        var (code, output) = CliProcess.Run(null, limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", recipe);
        Assert.True(code == 0, output);
        (code, output) = CliProcess.Run(null, limit, "train", recipe, "--set", "run_name=grpo-one", "--set", "training.grad_accumulation=2");
        Assert.True(code == 0, output);

        string Run(string name, string file) => Path.Combine(dir["runs"], name, "grpo", file);
        var difference = TwoRankSftRun.MaxDifference(Run("grpo-dp", "output/model.safetensors"), Run("grpo-one", "output/model.safetensors"));
        Assert.True(difference <= 1e-5, $"max |w_2ranks − w_1process| = {difference}");
        var dp = File.ReadAllLines(Run("grpo-dp", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        var one = File.ReadAllLines(Run("grpo-one", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(3, dp.Length);
        Assert.Equal(3, one.Length);
        for (int s = 0; s < 3; s++)
        {
            // The same groups, the same merged batch metrics, the same updates (a moving policy, not a zero gradient).
            foreach (var key in new[] { "reward", "reward_std", "response_length/mean", "response_length/max", "loss", "grad_norm", "micro_batches" })
                Assert.True(Math.Abs((double)dp[s][key]! - (double)one[s][key]!) <= 1e-5, $"step {s + 1} {key}: 2 ranks {dp[s][key]}, 1 process {one[s][key]}");
            Assert.True((double)dp[s]["reward_std"]! > 0 && (double)dp[s]["grad_norm"]! > 1e-3 && (double)dp[s]["reward/errors"]! == 0, dp[s].ToJsonString());
        }
        // 2 ranks × 2 prompts × 4 rollouts = 16 sequences; rollout/batches sums both ranks' generation batches.
        Assert.Equal(2, (double)dp[0]["rollout/batches"]!);

        // ZeRO-1 (AdamW state sharded over the two ranks, gradients reduced to their owners) ends with the same weights.
        (code, output) = CliProcess.Run(null, limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", recipe, "--set", "run_name=grpo-zero1", "--set", "distributed.zero=1");
        Assert.True(code == 0, output);
        Assert.Contains("ZeRO-1: rank 0 of 2 holds", output);
        difference = TwoRankSftRun.MaxDifference(Run("grpo-dp", "output/model.safetensors"), Run("grpo-zero1", "output/model.safetensors"));
        Assert.True(difference <= 1e-5, $"max |w_zero1 − w_zero0| = {difference}");

        // An odd prompts_per_step cannot keep whole groups on the ranks: refused, naming the key.
        (code, output) = CliProcess.Run(null, limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", recipe, "--set", "run_name=odd", "--set", "rollout.prompts_per_step=3");
        Assert.NotEqual(0, code);
        Assert.Contains("rollout.prompts_per_step 3 does not split over 2 ranks", output);
    }
}
