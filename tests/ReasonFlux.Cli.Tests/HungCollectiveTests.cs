using System.Text.RegularExpressions;

namespace ReasonFlux.Cli.Tests;

/// <summary>
/// A rank that stops taking part in collectives (SIGSTOP: the process is alive, its sockets open, it just never
/// answers, which is what a hung peer looks like to the others) must not hang the job: the rank waiting on it
/// fails its collective after distributed.timeout_s, naming itself and the operation, and launch stops every rank.
/// </summary>
public class HungCollectiveTests
{
    private const int Sigcont = 18, Sigstop = 19;
    private const int TimeoutS = 10;

    /// <summary>timeout_s, then launch's 15 s grace before it SIGKILLs the stopped rank (a SIGTERM stays pending on a stopped process), and slack for a loaded machine.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <param name="stoppedRank">1; or 0, the writer, which also hosts the rendezvous store.</param>
    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void RankStoppedWithSigstop_TheOtherRanksCollectiveTimesOut_AndLaunchStopsEveryRank(int stoppedRank)
    {
        int waitingRank = 1 - stoppedRank;
        using var dir = new TempDir();
        var recipe = TwoRankSftRun.Write(dir, "sft-hang");
        using var launch = CliProcess.Start(null, "launch", "--nproc-per-node", "2", "--master-port", TwoRankSftRun.FreePort().ToString(), "--",
            "train", recipe, "--set", "training.steps=100000", "--set", $"distributed.timeout_s={TimeoutS}");
        var rank0 = int.Parse(launch.WaitFor(@"launch: rank 0 \(local rank 0\) is pid (\d+)").Groups[1].Value);
        var rank1 = int.Parse(launch.WaitFor(@"launch: rank 1 \(local rank 1\) is pid (\d+)").Groups[1].Value);
        try
        {
            launch.WaitFor(@"\[rank 0\].*sft step 2/");
            var stopped = stoppedRank == 0 ? rank0 : rank1;
            Assert.Equal(0, CliProcess.Kill(stopped, Sigstop));

            // Without the timeout the waiting rank would wait for the stopped one forever.
            Assert.True(launch.Process.WaitForExit(Limit),
                $"launch still running {Limit.TotalSeconds} s after rank {stoppedRank} stopped answering (distributed.timeout_s = {TimeoutS}):\n" + launch.Output());
            launch.Process.WaitForExit();
            var output = launch.Output();
            Assert.True(launch.Process.ExitCode != 0, output);

            // The waiting rank is the one whose collective timed out: it says so, with the operation and the timeout, and
            // launch names it as the rank that failed (the stopped one it killed after the grace period).
            Assert.Matches(new Regex($@"\[rank {waitingRank}\] error: DistributedException: rank {waitingRank} of 2: (all-reduce|reduce|broadcast|all-gather|barrier) failed .*distributed\.timeout_s = {TimeoutS} s\): .*[Tt]imed out"), output);
            Assert.Contains($"error: rank {waitingRank} (local rank {waitingRank}, pid {(waitingRank == 0 ? rank0 : rank1)}) exited with code", output);
            Assert.Contains($"launch: after it, rank {stoppedRank}: 137", output);

            // No rank is left behind: launch waited for both, the stopped one included.
            Assert.False(Alive(rank0), $"rank 0 (pid {rank0}) is still running after launch exited:\n{output}");
            Assert.False(Alive(rank1), $"rank 1 (pid {rank1}) is still running after launch exited:\n{output}");
        }
        finally
        {
            foreach (var pid in new[] { rank0, rank1 })
                if (Alive(pid))
                {
                    CliProcess.Kill(pid, Sigcont);
                    CliProcess.Kill(pid, CliProcess.Sigkill);
                }
        }
    }

    /// <summary>A live (not zombie) process with this pid that is a reasonflux rank (not an unrelated process that reused the pid).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "Z" or "X") return false;
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("reasonflux");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
