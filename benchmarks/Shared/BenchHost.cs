namespace ReasonFlux.Benchmarks;

/// <summary>What every benchmark program asks of the machine it runs on. Compiled into each benchmark (linked file).</summary>
internal static class BenchHost
{
    /// <summary>The checkout the benchmark was built in (the folder holding ReasonFlux.Rl.sln).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ReasonFlux.Rl.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("run inside the checkout: no ReasonFlux.Rl.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>The 1-, 5- and 15-minute load averages, recorded beside every figure (the machines are shared).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
