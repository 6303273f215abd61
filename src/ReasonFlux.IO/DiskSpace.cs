using System.Globalization;

namespace ReasonFlux.IO;

/// <summary>Recognises "no space left on device" among IO errors and reports the free space of a path's device.</summary>
public static class DiskSpace
{
    // .NET on Unix puts the raw errno in HResult: ENOSPC is 28 on Linux and macOS, EDQUOT (quota exceeded) 122 on
    // Linux and 69 on macOS. Windows gives ERROR_DISK_FULL (112) and ERROR_HANDLE_DISK_FULL (39) as HRESULTs.
    private static readonly int[] FullCodes = OperatingSystem.IsWindows()
        ? [unchecked((int)0x80070070), unchecked((int)0x80070027)]
        : OperatingSystem.IsMacOS() ? [28, 69] : [28, 122];

    /// <summary>True for a <see cref="DiskFullException"/> or an IO error that says the device (or quota) is full.</summary>
    public static bool IsFull(Exception e) => e is DiskFullException || (e is IOException && FullCodes.Contains(e.HResult));

    /// <summary>Bytes available to this process on the device holding <paramref name="path"/> (or its nearest existing folder); -1 when unknown.</summary>
    public static long FreeBytes(string path)
    {
        try
        {
            var existing = System.IO.Path.GetFullPath(path);
            while (!Directory.Exists(existing))
            {
                var parent = System.IO.Path.GetDirectoryName(existing);
                if (parent is null) return -1;
                existing = parent;
            }
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>"1234567 bytes (1.2 MiB)".</summary>
    public static string Describe(long bytes)
    {
        string exact = bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        if (bytes < 1024) return exact;
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{exact} ({value.ToString("0.#", CultureInfo.InvariantCulture)} {units[unit]})";
    }

    /// <summary>"N bytes free" or "free space unknown".</summary>
    public static string DescribeFree(long free) => free < 0 ? "free space unknown" : Describe(free) + " free";
}
