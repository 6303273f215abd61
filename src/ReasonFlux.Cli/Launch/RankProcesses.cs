using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReasonFlux.Cli.Launch;

/// <summary>
/// Runs the local ranks of a <see cref="LaunchPlan"/> as child processes of this one (torchrun's job on one node):
/// their output is forwarded line by line with a "[rank N]" prefix, SIGTERM/SIGINT are forwarded to every rank,
/// and the first rank to fail stops the others (SIGTERM, then SIGKILL after <see cref="GracePeriod"/>). The exit
/// code is 0 when every rank succeeded, 75 when every rank stopped after a signal with its checkpoint saved, and
/// otherwise the failing rank's code, with its rank and the tail of its output on stderr.
/// </summary>
public sealed class RankProcesses
{
    public const int TailLines = 30;
    private const int Sigint = 2, Sigkill = 9, Sigterm = 15;

    private readonly LaunchPlan _plan;
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly object _lock = new();
    private readonly List<Rank> _ranks = [];
    private readonly List<Rank> _exitOrder = [];

    public RankProcesses(LaunchPlan plan, TextWriter output, TextWriter error)
    {
        _plan = plan;
        _out = output;
        _error = error;
    }

    /// <summary>How long ranks get to exit after SIGTERM once one failed, before SIGKILL.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(15);

    private sealed class Rank(int rank, int localRank, Process process)
    {
        public int Number { get; } = rank;
        public int LocalRank { get; } = localRank;
        public Process Process { get; } = process;
        public Queue<string> Tail { get; } = new();
        public int? ExitCode { get; set; }
    }

    public int Run()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Forward(Sigterm, "SIGTERM"); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Forward(Sigint, "SIGINT"); });
        using var exited = new SemaphoreSlim(0);
        try
        {
            for (int local = 0; local < _plan.ProcessesPerNode; local++)
            {
                var rank = Start(local, exited);
                _error.WriteLine($"launch: rank {rank.Number} (local rank {local}) is pid {rank.Process.Id}");
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            StopAll(null);
            throw new InvalidOperationException($"launch: could not start rank {_ranks.Count}: {e.Message}", e);
        }
        _error.Flush();

        Rank? failed = null;
        int done = 0;
        while (done < _ranks.Count)
        {
            exited.Wait();
            done++;
            Rank rank;
            lock (_lock) rank = _exitOrder[done - 1];
            // Drain the redirected output before reading the tail.
            rank.Process.WaitForExit();
            rank.ExitCode = rank.Process.ExitCode;
            if (failed is null && rank.ExitCode is not (0 or ExitCodes.Interrupted))
            {
                failed = rank;
                StopAll(rank);
            }
        }

        if (failed is not null)
        {
            ReportFailure(failed);
            return failed.ExitCode is > 0 and < 256 and not ExitCodes.Interrupted ? failed.ExitCode.Value : ExitCodes.Failure;
        }
        if (_ranks.All(r => r.ExitCode == 0)) return ExitCodes.Success;
        _error.WriteLine($"launch: every rank stopped after a signal (ranks exited {string.Join(", ", _ranks.Select(r => $"{r.Number}: {r.ExitCode}"))}); continue with --resume auto");
        return ExitCodes.Interrupted;
    }

    private Rank Start(int localRank, SemaphoreSlim exited)
    {
        var (file, prefixArgs) = SelfCommand();
        // Each rank gets a session of its own (setsid), so a terminal's Ctrl-C reaches launch once and launch
        // forwards it once; a rank that saw SIGINT twice would abort (exit 130) instead of saving.
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
        var info = new ProcessStartInfo(setsid ?? file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (setsid is not null) info.ArgumentList.Add(file);
        foreach (var a in prefixArgs.Concat(_plan.Command)) info.ArgumentList.Add(a);
        foreach (var (k, v) in _plan.Environment(localRank)) info.Environment[k] = v;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var rank = new Rank(_plan.RankOf(localRank), localRank, process);
        process.OutputDataReceived += (_, e) => Line(rank, e.Data, _out);
        process.ErrorDataReceived += (_, e) => Line(rank, e.Data, _error);
        process.Exited += (_, _) =>
        {
            lock (_lock) _exitOrder.Add(rank);
            exited.Release();
        };
        lock (_lock) _ranks.Add(rank);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return rank;
    }

    /// <summary>This program again: the apphost, or <c>dotnet reasonflux.dll</c> when run through the dotnet host.</summary>
    private static (string File, string[] Args) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this executable is unknown");
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            return (path, [System.Reflection.Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly")]);
        return (path, []);
    }

    private void Line(Rank rank, string? line, TextWriter to)
    {
        if (line is null) return;
        lock (_lock)
        {
            rank.Tail.Enqueue(line);
            while (rank.Tail.Count > TailLines) rank.Tail.Dequeue();
            to.WriteLine($"[rank {rank.Number}] {line}");
            to.Flush();
        }
    }

    private void Forward(int signal, string name)
    {
        lock (_lock)
        {
            _error.WriteLine($"launch: {name}: forwarding it to {_ranks.Count(r => !HasExited(r))} rank(s)");
            foreach (var r in _ranks) if (!HasExited(r)) Kill(r.Process.Id, signal);
        }
    }

    /// <summary>SIGTERM to every rank still running but <paramref name="except"/>, SIGKILL to those still there after the grace period.</summary>
    private void StopAll(Rank? except)
    {
        List<Rank> running;
        lock (_lock) running = _ranks.Where(r => r != except && !HasExited(r)).ToList();
        foreach (var r in running) Kill(r.Process.Id, Sigterm);
        var deadline = DateTime.UtcNow + GracePeriod;
        foreach (var r in running)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero && r.Process.WaitForExit(left)) continue;
            if (!HasExited(r)) Kill(r.Process.Id, Sigkill);
        }
    }

    private void ReportFailure(Rank failed)
    {
        var code = failed.ExitCode!.Value;
        var how = code > 128 && code < 160 ? $"was killed by signal {code - 128}{(code - 128 == Sigkill ? " (SIGKILL)" : "")}" : $"exited with code {code}";
        lock (_lock)
        {
            _error.WriteLine($"error: rank {failed.Number} (local rank {failed.LocalRank}, pid {failed.Process.Id}) {how}; the other ranks were stopped. Its last {failed.Tail.Count} lines of output:");
            foreach (var line in failed.Tail) _error.WriteLine($"  [rank {failed.Number}] {line}");
            var others = _ranks.Where(r => r != failed && r.ExitCode is not null and not 0).Select(r => $"rank {r.Number}: {r.ExitCode}").ToList();
            if (others.Count > 0) _error.WriteLine($"launch: after it, {string.Join(", ", others)}");
            _error.Flush();
        }
    }

    private static bool HasExited(Rank r)
    {
        try { return r.Process.HasExited; }
        catch (InvalidOperationException) { return true; }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
