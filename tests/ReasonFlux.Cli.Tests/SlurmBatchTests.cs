using System.Diagnostics;
using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Cli.Tests;

/// <summary>
/// recipes/slurm/*.sbatch run as SLURM would run them, with srun and scontrol replaced by scripts on PATH: the
/// fake srun runs its command as one task whose SLURM_* variables the test sets (what srun gives rank N).
/// </summary>
public class SlurmBatchTests
{
    private static (int Code, string Output, string Requeued) RunBatch(TempDir dir, string script, Dictionary<string, string> slurm, string? srunExit, params string[] args)
    {
        var bin = Directory.CreateDirectory(dir["bin"]).FullName;
        // srun [--opt=value ...] COMMAND...: drop srun's own options, run the command (or exit with srunExit).
        File.WriteAllText(Path.Combine(bin, "srun"), srunExit is null
            ? "#!/bin/bash\nwhile [[ $1 == --* ]]; do shift; done\nexec $@\n"
            : $"#!/bin/bash\nexit {srunExit}\n");
        File.WriteAllText(Path.Combine(bin, "scontrol"), $"#!/bin/bash\necho \"$@\" >> \"{dir["scontrol.txt"]}\"\n");
        if (!OperatingSystem.IsWindows())
            foreach (var f in new[] { "srun", "scontrol" }) File.SetUnixFileMode(Path.Combine(bin, f), (UnixFileMode)0b111_101_101);

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "recipes", "slurm", script));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PATH"] = bin + ":" + info.Environment["PATH"];
        info.Environment["REASONFLUX"] = $"dotnet {CliProcess.Dll}";
        foreach (var k in new[] { "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT" }) info.Environment.Remove(k);
        foreach (var (k, v) in slurm) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the batch script did not finish");
        var requeued = File.Exists(dir["scontrol.txt"]) ? File.ReadAllText(dir["scontrol.txt"]) : "";
        return (p.ExitCode, stdout.Result + stderr.Result, requeued);
    }

    /// <summary>The files recipes/grpo-reasonflux-prm-7b.yaml names (users download them), as empty stand-ins.</summary>
    private static void FakeDownloads(TempDir dir)
    {
        foreach (var model in new[] { "models/Qwen2.5-7B-Instruct", "models/ReasonFlux-PRM-7B" })
        {
            Directory.CreateDirectory(dir[model]);
            File.WriteAllText(dir[model + "/config.json"], "{}");
        }
        Directory.CreateDirectory(dir["data/dapo-math-17k"]);
        File.WriteAllText(dir["data/dapo-math-17k/train.jsonl"], "{\"problem\": \"1+1\", \"answer\": \"2\"}\n");
    }

    private static readonly string Recipe = Path.Combine(RepoPaths.Root, "recipes", "grpo-reasonflux-prm-7b.yaml");

    [Fact]
    public void Grpo8Gpu_PassesDryRun_AsRank3Of8()
    {
        using var dir = new TempDir();
        FakeDownloads(dir);
        var (code, output, requeued) = RunBatch(dir, "grpo-8gpu.sbatch", new()
        {
            ["SLURM_JOB_ID"] = "4242", ["SLURM_NTASKS"] = "8", ["SLURM_PROCID"] = "3", ["SLURM_LOCALID"] = "3",
            ["SLURM_NTASKS_PER_NODE"] = "8", ["SLURM_JOB_NODELIST"] = "gpu07",
        }, null, Recipe, "--dry-run");
        Assert.True(code == 0, output);
        Assert.Contains("# processes: rank 3 of 8 (local rank 3 of 8, from slurm), rendezvous gpu07:24242", output);
        Assert.Contains("global batch = micro_batch_size × grad_accumulation × 8 ranks", output);
        Assert.Equal("", requeued);
    }

    [Fact]
    public void Grpo2Node_PassesDryRun_WithTheMasterOnTheFirstNode()
    {
        using var dir = new TempDir();
        FakeDownloads(dir);
        var (code, output, _) = RunBatch(dir, "grpo-2node.sbatch", new()
        {
            ["SLURM_JOB_ID"] = "77", ["SLURM_NTASKS"] = "16", ["SLURM_PROCID"] = "9", ["SLURM_LOCALID"] = "1",
            ["SLURM_NTASKS_PER_NODE"] = "8(x2)", ["SLURM_JOB_NODELIST"] = "gpu[03-04]",
        }, null, Recipe, "--dry-run", "--set", "distributed.master_port=29999");
        Assert.True(code == 0, output);
        Assert.Contains("# processes: rank 9 of 16 (local rank 1 of 8, from slurm), rendezvous gpu03:29999", output);
    }

    [Fact]
    public void Exit75FromTheRanks_RequeuesTheJob()
    {
        using var dir = new TempDir();
        var (code, output, requeued) = RunBatch(dir, "grpo-8gpu.sbatch", new() { ["SLURM_JOB_ID"] = "4242" }, "75", Recipe);
        Assert.Equal(75, code);
        Assert.Equal("requeue 4242\n", requeued);
        Assert.Contains("requeueing job 4242", output);
    }

    [Fact]
    public void AFailure_IsNotRequeued()
    {
        using var dir = new TempDir();
        var (code, _, requeued) = RunBatch(dir, "grpo-8gpu.sbatch", new() { ["SLURM_JOB_ID"] = "4242" }, "1", Recipe);
        Assert.Equal(1, code);
        Assert.Equal("", requeued);
    }
}
