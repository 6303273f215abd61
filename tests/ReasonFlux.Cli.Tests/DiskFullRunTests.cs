using ReasonFlux.Tests.Shared;

namespace ReasonFlux.Cli.Tests;

/// <summary>
/// An SFT run whose run folder is on a small tmpfs (mounted by the test) that holds one checkpoint but not two: the
/// second checkpoint does not fit. The run must stop with exit 2 and one line naming the checkpoint and the bytes
/// needed, leave the last good checkpoint and `latest` as they were, and resume from it once there is room.
/// </summary>
public class DiskFullRunTests
{
    private static string Recipe(string outputDir) => $$"""
        run_name: full
        output_dir: "{{outputDir}}"
        stages:
          - kind: data
            seed: 3
            problems: { min_operations: 1, max_operations: 2, min_operand: 1, max_operand: 9, max_value: 99 }
            sizes: { sft: 40, grpo: 8, eval: 8, pool: 8, prm: 8, pool_correct_fraction: 0.5 }
          - kind: sft
            model: { path: builtin:tiny, dtype: float32, gradient_checkpointing: false }
            data: { train: "${stages.data.output}/sft.jsonl", max_seq_len: 64 }
            optimizer: { lr: 3.0e-3 }
            training: { steps: 4, micro_batch_size: 2, grad_accumulation: 1, seed: 1 }
            checkpoint: { save_every: 2, keep_last: 1 }
            logging: { log_every: 1, tensorboard: false, progress: plain }
        """;

    [SmallDiskFact]
    public void Train_SecondCheckpointDoesNotFit_Exit2NamingPathAndBytes_KeepsLastGood_ThenResumes()
    {
        // builtin:tiny: a checkpoint is about 1.3 MB and the run folder's other files about 0.5 MB, so 2.6 MB holds
        // step-2 (kept until step-4 is complete, whatever keep_last says) but not step-4 next to it.
        using var disk = SmallDisk.Mount(2_600_000);
        using var dir = new TempDir();
        File.WriteAllText(dir["run.yaml"], Recipe(disk.Path));
        var timeout = TimeSpan.FromMinutes(3);

        var (code, output) = CliProcess.Run(null, timeout, "train", dir["run.yaml"]);

        var sft = Path.Combine(disk.Path, "full", "sft");
        Assert.True(code == 2, $"exit {code}:\n{output}");
        var error = output.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains($"{Path.Combine(sft, "step-4")}: checkpoint does not fit on the device", error);
        Assert.Matches(@"needs about \d+ bytes \([\d.]+ MiB\)", error);
        Assert.Contains($"{Path.Combine(sft, "step-2")} and the latest pointer are unchanged", error);
        Assert.DoesNotContain("   at ", output);
        Assert.Equal("step-2", File.ReadAllText(Path.Combine(sft, "latest")).Trim());
        Assert.True(File.Exists(Path.Combine(sft, "step-2", "manifest.json")));
        Assert.False(Directory.Exists(Path.Combine(sft, "step-4")));
        Assert.False(Directory.Exists(Path.Combine(sft, "step-4.tmp")));

        disk.Grow(16_000_000);
        var (resumed, resumeOutput) = CliProcess.Run(null, timeout, "train", dir["run.yaml"], "--resume", "auto");
        Assert.True(resumed == 0, $"exit {resumed}:\n{resumeOutput}");
        Assert.Contains($"resuming from {Path.Combine(sft, "step-2")}", File.ReadAllText(Path.Combine(disk.Path, "full", "run.log")));
        Assert.Equal("step-4", File.ReadAllText(Path.Combine(sft, "latest")).Trim());
    }

    [SmallDiskFact]
    public void MakeData_OutputDoesNotFit_Exit2NamingTheFile_LeavesNoPartialFile()
    {
        using var disk = SmallDisk.Mount(64 * 1024);
        var (code, output) = CliProcess.Run(null, TimeSpan.FromMinutes(1), "make-data", "quickstart", "--out", disk["data"]);
        Assert.True(code == 2, $"exit {code}:\n{output}");
        var error = output.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Matches($@"^error: {System.Text.RegularExpressions.Regex.Escape(disk["data"])}/\w+\.jsonl: no space left on device: at least \d+ bytes", error);
        Assert.DoesNotContain("   at ", output);
        Assert.Empty(Directory.GetFiles(disk["data"], "*.tmp"));
    }
}
