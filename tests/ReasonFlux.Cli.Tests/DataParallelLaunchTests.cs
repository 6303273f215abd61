using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ReasonFlux.Checkpoints;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Cli.Tests;

/// <summary>One uninterrupted 2-rank SFT run through <c>reasonflux launch</c>, shared by the tests that compare against it.</summary>
public sealed class TwoRankSftRun : IDisposable
{
    public const int Steps = 30;

    private readonly TempDir _dir = new();

    public TwoRankSftRun()
    {
        Recipe = Write(_dir, "sft-dp");
        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(4), "launch", "--nproc-per-node", "2", "--master-port", FreePort().ToString(), "--", "train", Recipe);
        Assert.True(code == 0, output);
        Output = output;
    }

    public string Recipe { get; }
    public string Output { get; }
    public string RunsDirectory => _dir["runs"];
    public string Model(string runName) => Path.Combine(RunsDirectory, runName, "sft", "output", "model.safetensors");

    /// <summary>A tiny fp32 SFT recipe: micro_batch_size 2 × grad_accumulation 2 per rank.</summary>
    internal static string Write(TempDir dir, string runName)
    {
        var data = RepoPaths.TestData("sft-addition", "sft.jsonl");
        var path = dir[runName + ".yaml"];
        File.WriteAllText(path, $$"""
            run_name: {{runName}}
            output_dir: "{{dir["runs"]}}"
            distributed:
              backend: gloo
              timeout_s: 60
            kind: sft
            model:
              path: "builtin:tiny"
              dtype: float32
              gradient_checkpointing: false
            data:
              train: "{{data}}"
              max_seq_len: 64
            optimizer:
              lr: 0.003
              schedule: constant
            training:
              steps: {{Steps}}
              micro_batch_size: 2
              grad_accumulation: 2
              seed: 3
            checkpoint:
              save_every: 0
            logging:
              progress: plain
              tensorboard: false
            """);
        return path;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The largest absolute difference between two fp32 model files, tensor by tensor.</summary>
    public static double MaxDifference(string a, string b)
    {
        using var x = SafetensorsFile.Open(a);
        using var y = SafetensorsFile.Open(b);
        Assert.Equal(x.Names.Order(), y.Names.Order());
        double max = 0;
        foreach (var name in x.Names)
        {
            var u = MemoryMarshal.Cast<byte, float>(x.GetBytes(name));
            var v = MemoryMarshal.Cast<byte, float>(y.GetBytes(name));
            Assert.Equal(u.Length, v.Length);
            for (int i = 0; i < u.Length; i++) max = Math.Max(max, Math.Abs((double)u[i] - v[i]));
        }
        return max;
    }

    public void Dispose() => _dir.Dispose();
}

public class DataParallelLaunchTests(TwoRankSftRun run) : IClassFixture<TwoRankSftRun>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public void TwoRanks_EndWithTheWeightsOfOneProcessWithTwiceTheAccumulation()
    {
        var (code, output) = CliProcess.Run(null, Limit, "train", run.Recipe, "--set", "run_name=sft-one", "--set", "training.grad_accumulation=4");
        Assert.True(code == 0, output);
        var difference = TwoRankSftRun.MaxDifference(run.Model("sft-dp"), run.Model("sft-one"));
        Assert.True(difference <= 1e-5, $"max |w_2ranks − w_1process| = {difference}");
        // The weights did move: the comparison is not between two untouched initialisations.
        Assert.Contains("of 8 sequences (2 × 2 × 2 ranks)", run.Output);
    }

    [Fact]
    public void Zero1TwoRanks_EndWithTheWeightsOfZero0_AndTheirCheckpointResumesInOneProcess()
    {
        var (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", run.Recipe,
            "--set", "run_name=sft-zero1", "--set", "distributed.zero=1", "--set", "checkpoint.save_every=15");
        Assert.True(code == 0, output);
        Assert.Contains("ZeRO-1", output);
        var difference = TwoRankSftRun.MaxDifference(run.Model("sft-dp"), run.Model("sft-zero1"));
        Assert.True(difference <= 1e-5, $"max |w_zero1 − w_zero0| = {difference}");

        // Another world size: one process with twice the accumulation reruns steps 16-30 from the sharded run's step-15 state.
        var checkpoint = Path.Combine(run.RunsDirectory, "sft-zero1", "sft", "step-15");
        Assert.True(File.Exists(Path.Combine(checkpoint, "optimizer-shard-0-of-2.safetensors")) && File.Exists(Path.Combine(checkpoint, "optimizer-shard-1-of-2.safetensors")),
            "one optimizer file per owner rank");
        // A corrupt shard in the newest checkpoint: --resume auto's search skips it for step 15, naming the file.
        var sftFolder = Path.Combine(run.RunsDirectory, "sft-zero1", "sft");
        var shard = Path.Combine(sftFolder, "step-30", "optimizer-shard-1-of-2.safetensors");
        var bytes = File.ReadAllBytes(shard);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(shard, bytes);
        var rejected = new List<string>();
        Assert.Equal(15, ReasonFlux.Runs.CheckpointStore.FindLatestValid(sftFolder, rejected.Add)?.Step);
        Assert.Contains(rejected, r => r.Contains(shard));
        File.Delete(run.Model("sft-zero1"));
        (code, output) = CliProcess.Run(null, Limit, "train", run.Recipe, "--set", "run_name=sft-zero1", "--set", "training.grad_accumulation=4", "--resume", checkpoint);
        Assert.True(code == 0, output);
        Assert.Contains("resuming from", output);
        difference = TwoRankSftRun.MaxDifference(run.Model("sft-dp"), run.Model("sft-zero1"));
        Assert.True(difference <= 1e-5, $"max |w_resumed_1process − w_uninterrupted_2ranks| = {difference}");
    }

    [Fact]
    public void OneProcessCheckpoint_ResumesOnTwoZero1Ranks_UnderANewRunName()
    {
        var (code, output) = CliProcess.Run(null, Limit, "train", run.Recipe, "--set", "run_name=sft-one-ckpt", "--set", "training.grad_accumulation=4", "--set", "checkpoint.save_every=15");
        Assert.True(code == 0, output);
        var checkpoint = Path.Combine(run.RunsDirectory, "sft-one-ckpt", "sft", "step-15");
        // A run_name never used: neither the run folder nor its sft/ folder exists before the resume creates them.
        (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", run.Recipe,
            "--set", "run_name=sft-zero1-from-one", "--set", "distributed.zero=1", "--resume", checkpoint);
        Assert.True(code == 0, output);
        Assert.Contains("resuming from", output);
        var difference = TwoRankSftRun.MaxDifference(run.Model("sft-dp"), run.Model("sft-zero1-from-one"));
        Assert.True(difference <= 1e-5, $"max |w_resumed_2ranks_zero1 − w_uninterrupted_2ranks| = {difference}");
    }

    [Fact]
    public void OnlyRankZeroWrites_OneMetricsLinePerStep()
    {
        var metrics = File.ReadAllLines(Path.Combine(run.RunsDirectory, "sft-dp", "sft", "metrics.jsonl"));
        Assert.Equal(TwoRankSftRun.Steps, metrics.Length);
        Assert.DoesNotContain("[rank 1] 20", run.Output); // rank 1 logs nothing at information level
    }

    [Fact]
    public void SigtermToLaunch_Exits75_AndTheResumedRunEqualsTheUninterruptedOne()
    {
        using var dir = new TempDir();
        var recipe = TwoRankSftRun.Write(dir, "sft-dp");
        var port = TwoRankSftRun.FreePort().ToString();
        using (var launch = CliProcess.Start(null, "launch", "--nproc-per-node", "2", "--master-port", port, "--", "train", recipe))
        {
            launch.WaitFor(@"\[rank 0\].*sft step 2/");
            CliProcess.Kill(launch.Process.Id, CliProcess.Sigterm);
            Assert.True(launch.Process.WaitForExit(Limit), launch.Output());
            launch.Process.WaitForExit();
            Assert.True(launch.Process.ExitCode == 75, launch.Output());
        }
        var (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", recipe, "--resume", "auto");
        Assert.True(code == 0, output);
        Assert.Contains("resuming from", output);
        var difference = TwoRankSftRun.MaxDifference(run.Model("sft-dp"), Path.Combine(dir["runs"], "sft-dp", "sft", "output", "model.safetensors"));
        Assert.True(difference <= 1e-5, $"max |w_resumed − w_uninterrupted| = {difference}");
    }

    [Fact]
    public void RankKilledWithSigkill_LaunchFailsWithinAMinute_NamingTheRank()
    {
        using var dir = new TempDir();
        var recipe = TwoRankSftRun.Write(dir, "sft-kill");
        using var launch = CliProcess.Start(null, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", recipe, "--set", "training.steps=100000");
        var pid = int.Parse(launch.WaitFor(@"launch: rank 1 \(local rank 1\) is pid (\d+)").Groups[1].Value);
        launch.WaitFor(@"\[rank 0\].*sft step 2/");
        var killed = DateTime.UtcNow;
        CliProcess.Kill(pid, CliProcess.Sigkill);
        Assert.True(launch.Process.WaitForExit(TimeSpan.FromSeconds(60)), "launch still running 60 s after a rank was killed:\n" + launch.Output());
        launch.Process.WaitForExit();
        var output = launch.Output();
        Assert.True(launch.Process.ExitCode != 0, output);
        Assert.Contains("error: rank 1 (local rank 1, pid " + pid + ") was killed by signal 9 (SIGKILL)", output);
        Assert.True(DateTime.UtcNow - killed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void OneProcessStage_RunsOnRankZero_ThenTheDataParallelStageReadsItsOutput()
    {
        using var dir = new TempDir();
        var recipe = dir["pipeline.yaml"];
        File.WriteAllText(recipe, $$"""
            run_name: pipeline
            output_dir: "{{dir["runs"]}}"
            distributed: {backend: gloo, timeout_s: 60}
            stages:
              - kind: data
                sizes: {sft: 32, grpo: 1, eval: 1, pool: 3, prm: 1}
              - kind: sft
                model: {path: "builtin:tiny", dtype: float32, gradient_checkpointing: false}
                data: {train: "${stages.data.output}/sft.jsonl", max_seq_len: 64}
                training: {steps: 2, micro_batch_size: 2, grad_accumulation: 1}
                logging: {progress: plain, tensorboard: false}
            """);
        var (code, output) = CliProcess.Run(null, Limit, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--", "train", recipe);
        Assert.True(code == 0, output);
        Assert.Contains("stage data (kind data) runs on rank 0 only; the other 1 ranks wait for it", output);
        Assert.Contains("of 4 sequences (2 × 1 × 2 ranks)", output);
        Assert.True(File.Exists(Path.Combine(dir["runs"], "pipeline", "sft", "COMPLETE")));
    }
}
