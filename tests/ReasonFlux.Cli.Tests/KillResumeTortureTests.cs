using System.Diagnostics;

namespace ReasonFlux.Cli.Tests;

/// <summary>A short run of tests/torture/kill-resume.sh: two SIGKILLs, then the weights must equal an uninterrupted run's.</summary>
public class KillResumeTortureTests
{
    [Fact]
    public async Task TwoKills_EndWithTheWeightsOfAnUninterruptedRun()
    {
        if (!OperatingSystem.IsLinux()) return; // bash, kill -9 and /proc
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ReasonFlux.Rl.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no checkout above the test");
        using var dir = new TempDir();
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        foreach (var a in new[] { "tests/torture/kill-resume.sh", "2" }) info.ArgumentList.Add(a);
        info.Environment["RF_TORTURE_WORK"] = dir.Path;
        info.Environment["RF_TORTURE_SFT_STEPS"] = "8";
        info.Environment["RF_TORTURE_PRM_STEPS"] = "4";
        info.Environment["RF_TORTURE_GRPO_STEPS"] = "2";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await p.WaitForExitAsync(limit.Token); // throws after 8 minutes
        string output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, output);
        Assert.Contains("kills: 2 of 2 wanted", output);
        Assert.Contains("sft: weights identical", output);
        Assert.Contains("grpo: weights identical", output);
    }
}
