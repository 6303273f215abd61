namespace ReasonFlux.Runs;

/// <summary>
/// Peak resident memory of this process per step, from Linux's /proc: VmHWM is the high-water mark, and writing
/// "5" to /proc/self/clear_refs resets it to the current RSS, so each step reports its own peak. Where /proc is
/// missing (not Linux) nothing is reported; where the reset is refused the value is the peak since the last reset.
/// </summary>
public static class ProcessMemory
{
    public const string PeakRssMetric = "memory/peak_rss_mb";

    /// <summary>VmHWM in MiB, or null when /proc/self/status is unavailable.</summary>
    public static double? PeakRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Resets the high-water mark to the current RSS; false where the kernel does not allow it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
