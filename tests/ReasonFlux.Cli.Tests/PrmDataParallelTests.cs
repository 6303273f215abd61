namespace ReasonFlux.Cli.Tests;

/// <summary>Data-parallel PRM training: 2 ranks through launch against 1 process with twice the accumulation.</summary>
public class PrmDataParallelTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private static string Write(TempDir dir, string data)
    {
        var path = dir["prm.yaml"];
        File.WriteAllText(path, $$"""
            run_name: prm-dp
            output_dir: "{{dir["runs"]}}"
            distributed: {backend: gloo, timeout_s: 60}
            kind: prm
            model: {path: "builtin:tiny", dtype: float32, save_dtype: float32, gradient_checkpointing: false}
            head: two-class
            data: {train: "{{data}}", max_seq_len: 128}
            loss: {loss: bce}
            optimizer: {lr: 0.003, schedule: constant, weight_decay: 0}
            training: {steps: 6, micro_batch_size: 2, grad_accumulation: 2, seed: 3}
            checkpoint: {save_every: 0}
            logging: {progress: plain, tensorboard: false}
            """);
        return path;
    }

    [Fact]
    public void TwoRanks_EndWithTheWeightsOfOneProcessWithTwiceTheAccumulation()
    {
        using var dir = new TempDir();
        var (made, madeOutput) = CliProcess.Run(null, Limit, "make-data", "quickstart", "--seed", "1", "--out", dir["data"]);
        Assert.True(made == 0, madeOutput);
        var recipe = Write(dir, dir["data/prm.jsonl"]);

        var (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", recipe);
        Assert.True(code == 0, output);
        Assert.Contains("steps of 8 sequences (2 × 2 × 2 ranks)", output);
        (code, output) = CliProcess.Run(null, Limit, "train", recipe, "--set", "run_name=prm-one", "--set", "training.grad_accumulation=4");
        Assert.True(code == 0, output);

        string Model(string run) => Path.Combine(dir["runs"], run, "prm", "output", "model.safetensors");
        var difference = TwoRankSftRun.MaxDifference(Model("prm-dp"), Model("prm-one"));
        Assert.True(difference <= 1e-5, $"max |w_2ranks − w_1process| = {difference}");
        var dp = File.ReadAllLines(Path.Combine(dir["runs"], "prm-dp", "prm", "metrics.jsonl"));
        Assert.Equal(6, dp.Length);
    }
}
