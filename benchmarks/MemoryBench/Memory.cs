namespace MemoryBench;

/// <summary>This process's resident memory from Linux's /proc (VmRSS now, VmHWM the peak since start).</summary>
internal static class Memory
{
    public static double RssMb() => StatusMb("VmRSS:");

    public static double PeakRssMb() => StatusMb("VmHWM:");

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double StatusMb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        throw new InvalidOperationException($"/proc/self/status has no {key}");
    }
}
