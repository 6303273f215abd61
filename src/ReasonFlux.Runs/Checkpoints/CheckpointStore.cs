using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ReasonFlux.IO;

namespace ReasonFlux.Runs;

/// <summary>
/// The checkpoint folder protocol of one stage (checkpoints/README.md):
/// <list type="number">
/// <item>the caller's callback writes model files and trainer state into <c>step-N.tmp/</c>;</item>
/// <item>a <c>manifest.json</c> with the size and SHA-256 of every file is written, and everything is flushed to disk;</item>
/// <item>the folder is renamed to <c>step-N/</c> and the <c>latest</c> pointer file is replaced atomically;</item>
/// <item>all but the newest <c>keep_last</c> checkpoints are deleted.</item>
/// </list>
/// A crash at any point leaves either the previous checkpoints untouched or the new one complete.
/// <see cref="FindLatestValid"/> verifies checksums and falls back to an older checkpoint when the newest is corrupt.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>Name of the pointer file holding the newest checkpoint's folder name.</summary>
    public const string LatestFileName = "latest";

    private CheckpointStore(string directory, int keepLast)
    {
        Directory = directory;
        KeepLast = keepLast;
    }

    /// <summary>The stage folder holding step-N/ folders and <c>latest</c>.</summary>
    public string Directory { get; }

    /// <summary>How many checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>Opens (creating if needed) the checkpoint folder and removes leftovers of interrupted saves.</summary>
    public static CheckpointStore Open(string directory, int keepLast)
    {
        if (keepLast < 1) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "keep_last must be ≥ 1");
        System.IO.Directory.CreateDirectory(directory);
        foreach (var tmp in System.IO.Directory.GetDirectories(directory, "step-*.tmp"))
            System.IO.Directory.Delete(tmp, recursive: true);
        return new CheckpointStore(directory, keepLast);
    }

    /// <summary>The store as a rank that never writes sees it (no folder created, no leftovers removed).</summary>
    public static CheckpointStore Attach(string directory, int keepLast) => new(directory, keepLast);

    /// <summary>The folder name of the checkpoint at <paramref name="step"/>.</summary>
    public static string FolderName(long step) => "step-" + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a checkpoint for <paramref name="step"/>: <paramref name="writeContents"/> receives the
    /// temporary folder to fill; the rest of the protocol (manifest, rename, latest, pruning) happens here.
    /// </summary>
    public SavedCheckpoint Save(long step, Action<string> writeContents, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var final = Path.Combine(Directory, FolderName(step));
        var tmp = final + ".tmp";
        if (System.IO.Directory.Exists(tmp)) System.IO.Directory.Delete(tmp, recursive: true);
        CheckpointManifest manifest;
        try
        {
            System.IO.Directory.CreateDirectory(tmp);
            try
            {
                writeContents(tmp);
            }
            catch (Exception e) when (!DiskSpace.IsFull(e))
            {
                System.IO.Directory.Delete(tmp, recursive: true);
                throw;
            }

            if (File.Exists(Path.Combine(tmp, CheckpointManifest.FileName)))
            {
                System.IO.Directory.Delete(tmp, recursive: true);
                throw new InvalidOperationException($"{tmp}: the checkpoint callback wrote {CheckpointManifest.FileName}, a name reserved for the protocol");
            }
            // fsync can be where a full disk shows (delayed allocation), so hashing is inside the guard too.
            var files = HashFiles(tmp, flushToDisk: true);
            manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, step, DateTimeOffset.UtcNow, files,
                new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()));
            WriteDurably(Path.Combine(tmp, CheckpointManifest.FileName), manifest.ToJson());
        }
        catch (Exception e) when (DiskSpace.IsFull(e))
        {
            throw DoesNotFit(step, final, tmp, e);
        }

        // Re-saving a step (e.g. interrupted right after resuming from it): swap the old one out first.
        if (System.IO.Directory.Exists(final))
        {
            var replaced = final + ".replaced.tmp";
            if (System.IO.Directory.Exists(replaced)) System.IO.Directory.Delete(replaced, recursive: true);
            System.IO.Directory.Move(final, replaced);
            System.IO.Directory.Move(tmp, final);
            System.IO.Directory.Delete(replaced, recursive: true);
        }
        else System.IO.Directory.Move(tmp, final);

        var latestTmp = Path.Combine(Directory, LatestFileName + ".tmp");
        try
        {
            WriteDurably(latestTmp, FolderName(step) + "\n");
        }
        catch (Exception e) when (DiskSpace.IsFull(e))
        {
            File.Delete(latestTmp);
            throw new DiskFullException(
                $"{Path.Combine(Directory, LatestFileName)}: no space left on device to update the pointer ({DiskSpace.DescribeFree(DiskSpace.FreeBytes(Directory))}); " +
                $"{final} itself is complete and verified, and --resume auto picks it. Free space, then continue with --resume auto.",
                latestTmp, FolderName(step).Length + 1, DiskSpace.FreeBytes(Directory), e);
        }
        File.Move(latestTmp, Path.Combine(Directory, LatestFileName), overwrite: true);

        Prune();
        return new SavedCheckpoint(step, final, manifest);
    }

    /// <summary>
    /// The error for a checkpoint that did not fit, after removing its partial folder: what did not fit, how much the
    /// whole checkpoint needs (the previous checkpoint's size when there is one: same model, same state), and that the
    /// last good checkpoint and the pointer are untouched.
    /// </summary>
    private DiskFullException DoesNotFit(long step, string final, string tmp, Exception cause)
    {
        long written = System.IO.Directory.Exists(tmp)
            ? System.IO.Directory.GetFiles(tmp, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
        try
        {
            if (System.IO.Directory.Exists(tmp)) System.IO.Directory.Delete(tmp, recursive: true);
        }
        catch (IOException)
        {
            // Open() removes leftover step-N.tmp folders on the next run.
        }
        var previous = ListSteps(Directory).Where(s => s != step).Select(s => (Step: s, Bytes: ManifestBytes(Path.Combine(Directory, FolderName(s))))).LastOrDefault(p => p.Bytes > 0);
        long fileNeeded = cause is DiskFullException d ? d.BytesNeeded : 0;
        long needed = Math.Max(previous.Bytes, written + fileNeeded);
        long free = DiskSpace.FreeBytes(Directory);
        var what = cause is DiskFullException full ? $"{full.Path} needs {DiskSpace.Describe(full.BytesNeeded)}" : cause.Message;
        var estimate = previous.Bytes > 0
            ? $"the whole checkpoint needs about {DiskSpace.Describe(needed)} (the size of {FolderName(previous.Step)})"
            : $"the whole checkpoint needs at least {DiskSpace.Describe(needed)}";
        var kept = previous.Bytes > 0
            ? $"The last good checkpoint {Path.Combine(Directory, FolderName(previous.Step))} and the latest pointer are unchanged."
            : "No earlier checkpoint of this stage exists; nothing was changed.";
        return new DiskFullException(
            $"{final}: checkpoint does not fit on the device ({DiskSpace.DescribeFree(free)}): {what}; {estimate}. {kept} Free space, then continue with --resume auto.",
            final, needed, free, cause);
    }

    /// <summary>Total file bytes a checkpoint's manifest lists; 0 when it has none readable.</summary>
    private static long ManifestBytes(string checkpointDirectory)
    {
        try
        {
            return CheckpointManifest.Read(Path.Combine(checkpointDirectory, CheckpointManifest.FileName)).Files.Sum(f => f.Bytes);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return 0;
        }
    }

    /// <summary>Steps of the complete-looking checkpoint folders (step-N with a manifest), ascending. Not verified.</summary>
    public static IReadOnlyList<long> ListSteps(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return [];
        return System.IO.Directory.GetDirectories(directory)
            .Select(d => StepFolder().Match(Path.GetFileName(d)))
            .Where(m => m.Success)
            .Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Order()
            .ToList();
    }

    /// <summary>
    /// The newest checkpoint whose manifest and checksums verify, trying the <c>latest</c> pointer first and
    /// then every step-N/ from newest to oldest; null when none is valid. Each rejected one is reported to
    /// <paramref name="onRejected"/> with the reason.
    /// </summary>
    public static SavedCheckpoint? FindLatestValid(string directory, Action<string>? onRejected = null)
    {
        var candidates = new List<string>();
        var pointer = Path.Combine(directory, LatestFileName);
        if (File.Exists(pointer))
        {
            var name = File.ReadAllText(pointer).Trim();
            if (StepFolder().IsMatch(name)) candidates.Add(Path.Combine(directory, name));
            else onRejected?.Invoke($"{pointer}: does not name a step-N folder (\"{name}\")");
        }
        foreach (var step in ListSteps(directory).Reverse())
        {
            var path = Path.Combine(directory, FolderName(step));
            if (!candidates.Contains(path)) candidates.Add(path);
        }
        // The pointer may lag behind (crash between rename and pointer update): prefer the highest valid step.
        SavedCheckpoint? best = null;
        foreach (var path in candidates.OrderByDescending(StepOf))
        {
            var problem = Verify(path, out var checkpoint);
            if (problem is null) { best = checkpoint; break; }
            onRejected?.Invoke(problem);
        }
        return best;
    }

    /// <summary>Verifies a checkpoint folder; returns it, or throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static SavedCheckpoint Load(string checkpointDirectory)
    {
        var problem = Verify(checkpointDirectory, out var checkpoint);
        if (problem is not null) throw new InvalidDataException(problem);
        return checkpoint!;
    }

    /// <summary>null when the checkpoint is complete and every checksum matches, else the reason it is not.</summary>
    public static string? Verify(string checkpointDirectory, out SavedCheckpoint? checkpoint)
    {
        checkpoint = null;
        if (!System.IO.Directory.Exists(checkpointDirectory)) return $"{checkpointDirectory}: checkpoint folder not found";
        var manifestPath = Path.Combine(checkpointDirectory, CheckpointManifest.FileName);
        if (!File.Exists(manifestPath)) return $"{checkpointDirectory}: incomplete checkpoint (no {CheckpointManifest.FileName})";
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.Read(manifestPath);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        foreach (var f in manifest.Files)
        {
            var full = Path.Combine(checkpointDirectory, f.Path);
            if (!File.Exists(full)) return $"{full}: listed in the manifest but missing";
            long length = new FileInfo(full).Length;
            if (length != f.Bytes) return $"{full}: {length} bytes, the manifest says {f.Bytes}";
        }
        var actual = HashFiles(checkpointDirectory, flushToDisk: false).ToDictionary(f => f.Path);
        foreach (var f in manifest.Files)
        {
            if (!actual.TryGetValue(f.Path, out var found) || !string.Equals(found.Sha256, f.Sha256, StringComparison.OrdinalIgnoreCase))
                return $"{Path.Combine(checkpointDirectory, f.Path)}: SHA-256 mismatch (corrupt file)";
        }
        checkpoint = new SavedCheckpoint(manifest.Step, checkpointDirectory, manifest);
        return null;
    }

    private void Prune()
    {
        var steps = ListSteps(Directory);
        foreach (var step in steps.Take(Math.Max(0, steps.Count - KeepLast)))
            System.IO.Directory.Delete(Path.Combine(Directory, FolderName(step)), recursive: true);
    }

    private static long StepOf(string path) =>
        StepFolder().Match(Path.GetFileName(path)) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    /// <summary>Size and SHA-256 of every file under <paramref name="root"/> except the manifest, in path order.</summary>
    private static List<CheckpointFile> HashFiles(string root, bool flushToDisk)
    {
        var paths = System.IO.Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => p != CheckpointManifest.FileName)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var result = new CheckpointFile[paths.Length];
        // Model shards are GBs each: hash them in parallel.
        try
        {
            HashInParallel(root, paths, result, flushToDisk);
        }
        catch (AggregateException e)
        {
            // The caller tells a full disk from other errors by the exception itself, not a wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return [.. result];
    }

    private static void HashInParallel(string root, string[] paths, CheckpointFile[] result, bool flushToDisk)
    {
        Parallel.For(0, paths.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4) }, i =>
        {
            var full = Path.Combine(root, paths[i]);
            using var stream = new FileStream(full, FileMode.Open, flushToDisk ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read, 1 << 20);
            var hash = SHA256.HashData(stream);
            if (flushToDisk) stream.Flush(flushToDisk: true);
            result[i] = new CheckpointFile(paths[i], stream.Length, Convert.ToHexStringLower(hash));
        });
    }

    private static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    [GeneratedRegex(@"^step-(\d+)$")]
    private static partial Regex StepFolder();
}
