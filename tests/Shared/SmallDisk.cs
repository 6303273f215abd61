using System.Diagnostics;

namespace ReasonFlux.Tests.Shared;

/// <summary>
/// A size-limited tmpfs mounted at a fresh temporary folder for one test and unmounted (and removed) on dispose,
/// so "the disk is full" is real ENOSPC from the kernel, not a simulation. Needs mount(8) and the right to mount
/// (root, or CAP_SYS_ADMIN in a container); tests using it are marked <see cref="SmallDiskFactAttribute"/>.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path, long bytes)
    {
        Path = path;
        Bytes = bytes;
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>The file system's size.</summary>
    public long Bytes { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> (rounded up to pages by the kernel); throws with mount's own words when it cannot.</summary>
    public static SmallDisk Mount(long bytes)
    {
        var path = Directory.CreateTempSubdirectory("rf-smalldisk-").FullName;
        try
        {
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path);
            if (code != 0) throw new InvalidOperationException($"mount -t tmpfs -o size={bytes} failed (exit {code}): {output.Trim()}");
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }
        return new SmallDisk(path, bytes);
    }

    /// <summary>Resizes the mounted tmpfs (as freeing space on a real disk would).</summary>
    public void Grow(long bytes)
    {
        var (code, output) = Run("mount", "-o", $"remount,size={bytes}", Path);
        if (code != 0) throw new InvalidOperationException($"mount -o remount,size={bytes} {Path} failed (exit {code}): {output.Trim()}");
    }

    /// <summary>Writes a filler file leaving about <paramref name="freeBytes"/> free (tmpfs counts whole pages).</summary>
    public void FillLeaving(long freeBytes)
    {
        long free = new DriveInfo(Path).AvailableFreeSpace;
        long fill = free - freeBytes;
        if (fill <= 0) return;
        using var fs = new FileStream(this["filler"], FileMode.Create, FileAccess.Write);
        var block = new byte[1 << 16];
        for (long left = fill; left > 0; left -= block.Length) fs.Write(block, 0, (int)Math.Min(block.Length, left));
    }

    /// <summary>Removes the filler file written by <see cref="FillLeaving"/>.</summary>
    public void Unfill() => File.Delete(this["filler"]);

    /// <summary>Null when this machine lets the tests mount a tmpfs, else why not (the skip reason).</summary>
    public static string? WhyUnavailable { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "the full-disk tests mount a tmpfs, which needs Linux";
        try
        {
            using var disk = Mount(64 * 1024);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): {e.Message}";
        }
    }

    public void Dispose()
    {
        var (code, output) = Run("umount", Path);
        if (code != 0) (code, output) = Run("umount", "-l", Path);
        if (code == 0) Directory.Delete(Path);
        else throw new InvalidOperationException($"umount {Path} failed (exit {code}): {output.Trim()}");
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>A fact that needs <see cref="SmallDisk"/>; skipped, with the reason, where mounting a tmpfs is not allowed.</summary>
internal sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (SmallDisk.WhyUnavailable is { } reason) Skip = reason;
    }
}
