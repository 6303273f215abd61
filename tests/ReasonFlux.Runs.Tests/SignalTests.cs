using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReasonFlux.Runs.Tests;

/// <remarks>Not run in parallel with the rest of the assembly: the probes are timed child processes.</remarks>
[Collection(SerialSignalTests.Name)]
public class SignalTests
{
    [Fact]
    public void Request_First_SetsFlagAndCancelsToken_WithoutExiting()
    {
        var exits = new List<int>();
        using var interrupt = TrainingInterrupt.CreateDetached(exits.Add);
        Assert.False(interrupt.IsRequested);
        interrupt.Request(PosixSignal.SIGTERM);
        Assert.True(interrupt.IsRequested);
        Assert.True(interrupt.Token.IsCancellationRequested);
        Assert.Equal(PosixSignal.SIGTERM, interrupt.Signal);
        Assert.Empty(exits);
    }

    [Fact]
    public void Request_Second_ExitsWith130()
    {
        var exits = new List<int>();
        using var interrupt = TrainingInterrupt.CreateDetached(exits.Add);
        interrupt.Request(PosixSignal.SIGINT);
        interrupt.Request(PosixSignal.SIGTERM);
        Assert.Equal([130], exits);
        Assert.Equal(PosixSignal.SIGINT, interrupt.Signal);
    }

    [Fact]
    public void Sigterm_ToChildProcess_SavesCheckpointAndExits75()
    {
        if (OperatingSystem.IsWindows()) return; // SIGTERM delivery needs POSIX kill(2)
        using var dir = new TempDir();
        using var probe = Probe.Start(dir.Path);
        probe.WaitFor("ready");
        Probe.Kill(probe.Process.Id, Probe.Sigterm);
        Assert.True(probe.Process.WaitForExit(30_000), "probe did not exit after SIGTERM");
        Assert.Equal(75, probe.Process.ExitCode);

        var stage = Path.Combine(dir.Path, "probe", "grpo");
        var ckpt = CheckpointStore.FindLatestValid(stage);
        Assert.NotNull(ckpt);
        Assert.True(ckpt.Step >= 1);
        Assert.Equal(ckpt.Step.ToString(), File.ReadAllText(Path.Combine(ckpt.Path, "state.txt")));
        Assert.Contains("outcome Interrupted", probe.Output());
    }

    [Fact]
    public void SecondSignal_DuringSlowSave_ExitsAt130WithoutCheckpoint()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        using var probe = Probe.Start(dir.Path, "slow-save");
        probe.WaitFor("ready");
        Probe.Kill(probe.Process.Id, Probe.Sigterm);
        probe.WaitFor("saving");
        // SIGTERM again, not SIGINT: a process started in the background by a non-interactive shell (CI runners,
        // nohup) inherits SIGINT as ignored, and .NET keeps it ignored, so a SIGINT never reaches the handler there.
        Probe.Kill(probe.Process.Id, Probe.Sigterm);
        bool exited = probe.Process.WaitForExit(30_000);
        Assert.True(exited, "probe did not exit after the second signal: " + probe.Output());
        Assert.Equal(130, probe.Process.ExitCode);
        Assert.Null(CheckpointStore.FindLatestValid(Path.Combine(dir.Path, "probe", "grpo")));
    }

    /// <summary>This test assembly run as a child process in signal-probe mode (see Program.cs).</summary>
    private sealed class Probe : IDisposable
    {
        public const int Sigterm = 15;
        private readonly List<string> _lines = [];
        private readonly object _lock = new();

        private Probe(Process process) => Process = process;

        public Process Process { get; }

        public static Probe Start(string dir, string? mode = null)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "exec", typeof(Program).Assembly.Location, "signal-probe", dir }) info.ArgumentList.Add(a);
            if (mode is not null) info.ArgumentList.Add(mode);
            var probe = new Probe(Process.Start(info)!);
            probe.Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (probe._lock) probe._lines.Add(e.Data); };
            probe.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (probe._lock) probe._lines.Add("stderr: " + e.Data); };
            probe.Process.BeginOutputReadLine();
            probe.Process.BeginErrorReadLine();
            return probe;
        }

        public void WaitFor(string line)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (_lock) if (_lines.Contains(line)) return;
                if (Process.HasExited) throw new InvalidOperationException($"probe exited ({Process.ExitCode}) before printing \"{line}\": {Output()}");
                Thread.Sleep(20);
            }
            throw new TimeoutException($"probe did not print \"{line}\": {Output()}");
        }

        public string Output()
        {
            // Only the parameterless WaitForExit waits for the redirected output to be fully read.
            if (Process.WaitForExit(1000)) Process.WaitForExit();
            lock (_lock) return string.Join("\n", _lines);
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SysKill(int pid, int signal);

        public static void Kill(int pid, int signal)
        {
            if (SysKill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.Dispose();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialSignalTests
{
    public const string Name = "signal probes, run alone";
}
