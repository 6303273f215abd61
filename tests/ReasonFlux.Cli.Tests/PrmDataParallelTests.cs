namespace ReasonFlux.Cli.Tests;

/// <summary>The quickstart PRM data and one uninterrupted 2-rank PRM run through launch, shared by the tests that compare against it.</summary>
public sealed class TwoRankPrmRun : IDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private readonly TempDir _dir = new();

    public TwoRankPrmRun()
    {
        var (made, madeOutput) = CliProcess.Run(null, Limit, "make-data", "quickstart", "--seed", "1", "--out", _dir["data"]);
        Assert.True(made == 0, madeOutput);
        Recipe = Write(_dir, _dir["data/prm.jsonl"]);
        var (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", Recipe);
        Assert.True(code == 0, output);
        Output = output;
    }

    public string Recipe { get; }
    public string Output { get; }
    public string RunsDirectory => _dir["runs"];
    public string Model(string runName) => Path.Combine(RunsDirectory, runName, "prm", "output", "model.safetensors");

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

    public void Dispose() => _dir.Dispose();
}

/// <summary>Data-parallel PRM training: 2 ranks through launch against 1 process with twice the accumulation, and ZeRO-1 against ZeRO-0.</summary>
public class PrmDataParallelTests(TwoRankPrmRun run) : IClassFixture<TwoRankPrmRun>
{
    [Fact]
    public void TwoRanks_EndWithTheWeightsOfOneProcessWithTwiceTheAccumulation()
    {
        Assert.Contains("steps of 8 sequences (2 × 2 × 2 ranks)", run.Output);
        var (code, output) = CliProcess.Run(null, TwoRankPrmRun.Limit, "train", run.Recipe, "--set", "run_name=prm-one", "--set", "training.grad_accumulation=4");
        Assert.True(code == 0, output);

        var difference = TwoRankSftRun.MaxDifference(run.Model("prm-dp"), run.Model("prm-one"));
        Assert.True(difference <= 1e-5, $"max |w_2ranks − w_1process| = {difference}");
        var dp = File.ReadAllLines(Path.Combine(run.RunsDirectory, "prm-dp", "prm", "metrics.jsonl"));
        Assert.Equal(6, dp.Length);
    }

    [Fact]
    public void Zero1TwoRanks_EndWithTheWeightsOfZero0()
    {
        var (code, output) = CliProcess.Run(null, TwoRankPrmRun.Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", run.Recipe, "--set", "run_name=prm-zero1", "--set", "distributed.zero=1");
        Assert.True(code == 0, output);
        Assert.Contains("ZeRO-1: rank 0 of 2 holds", output);
        var difference = TwoRankSftRun.MaxDifference(run.Model("prm-dp"), run.Model("prm-zero1"));
        Assert.True(difference <= 1e-5, $"max |w_zero1 − w_zero0| = {difference}");
    }
}
