using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace ReasonFlux.Cli.Tests;

/// <summary>The reasonflux executable built next to this test assembly, run as a child process with its output collected.</summary>
internal sealed class CliProcess : IDisposable
{
    public const int Sigkill = 9, Sigterm = 15;

    private readonly List<string> _lines = [];
    private readonly object _lock = new();

    private CliProcess(Process process) => Process = process;

    public Process Process { get; }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "reasonflux.dll");

    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        // The test host's own launcher variables must not leak into the child.
        foreach (var k in new[] { "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT" }) info.Environment.Remove(k);
        foreach (var k in info.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal)).ToList()) info.Environment.Remove(k);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) info.Environment[k] = v;
        var p = new CliProcess(Process.Start(info)!);
        p.Process.OutputDataReceived += (_, e) => p.Add(e.Data);
        p.Process.ErrorDataReceived += (_, e) => p.Add(e.Data);
        p.Process.BeginOutputReadLine();
        p.Process.BeginErrorReadLine();
        return p;
    }

    /// <summary>Runs to completion (failing the test after <paramref name="timeout"/>); returns the exit code and all output.</summary>
    public static (int Code, string Output) Run(IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout, params string[] args)
    {
        using var p = Start(environment, args);
        if (!p.Process.WaitForExit(timeout)) Assert.Fail($"reasonflux {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s:\n{p.Output()}");
        p.Process.WaitForExit();
        return (p.Process.ExitCode, p.Output());
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lock)
        {
            _lines.Add(line);
            Monitor.PulseAll(_lock);
        }
    }

    public string Output()
    {
        lock (_lock) return string.Join('\n', _lines);
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/> and returns its match.</summary>
    public Match WaitFor(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        lock (_lock)
        {
            int seen = 0;
            while (true)
            {
                for (; seen < _lines.Count; seen++)
                    if (regex.Match(_lines[seen]) is { Success: true } m) return m;
                bool exited = Process.HasExited;
                if (DateTime.UtcNow > deadline || (exited && !Monitor.Wait(_lock, 500)))
                    Assert.Fail($"no line matching {pattern} (exited: {exited}):\n{string.Join('\n', _lines)}");
                if (!exited) Monitor.Wait(_lock, 200);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        Process.Dispose();
    }
}
