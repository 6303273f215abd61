using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ReasonFlux.IO;

namespace ReasonFlux.Checkpoints;

/// <summary>
/// Writes safetensors files and HF checkpoint folders that transformers and the safetensors library read as their own:
/// <c>{"__metadata__":{"format":"pt"}}</c>, the header padded with spaces to a multiple of 8, tensors back to back in HF's
/// order (by dtype alignment, widest first, then by name), shards named <c>model-00001-of-00003.safetensors</c> with a
/// <c>model.safetensors.index.json</c> written as transformers writes it. Every file is written under a temporary name,
/// flushed, and renamed into place.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes one .safetensors file with all <paramref name="tensors"/> (tied aliases in the options are skipped).</summary>
    public static void WriteFile(string path, IEnumerable<TensorWriteSource> tensors, SafetensorsWriteOptions? options = null)
    {
        options ??= SafetensorsWriteOptions.Default;
        var list = ResolveTiedWeights(tensors, options.TiedWeights);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string temp = WriteTemporary(path, list, options);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            ReservedFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes the weights of an HF model folder: one <c>model.safetensors</c> when everything fits in
    /// <see cref="SafetensorsWriteOptions.MaxShardSize"/>, otherwise numbered shards plus the index. Shards are filled
    /// in the caller's order (a model's state-dict order), as huggingface_hub's splitter does. Weight files of a
    /// previous save that the new one does not overwrite (stale shards, a stale single file or index) are deleted
    /// afterwards, so the folder never mixes two saves.
    /// </summary>
    public static SafetensorsWriteResult WriteCheckpoint(string directory, IEnumerable<TensorWriteSource> tensors, SafetensorsWriteOptions? options = null)
    {
        options ??= SafetensorsWriteOptions.Default;
        if (options.MaxShardSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxShardSize, "MaxShardSize must be positive");
        if (string.IsNullOrEmpty(options.WeightsName) || options.WeightsName.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException($"WeightsName '{options.WeightsName}' must be a plain file name stem", nameof(options));
        var list = ResolveTiedWeights(tensors, options.TiedWeights);
        Directory.CreateDirectory(directory);

        var shards = PlanShards(list, options.MaxShardSize);
        string singleName = options.WeightsName + ".safetensors";
        string indexName = options.WeightsName + ".safetensors.index.json";
        var names = shards.Count <= 1
            ? [singleName]
            : shards.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"{options.WeightsName}-{i + 1:D5}-of-{shards.Count:D5}.safetensors")).ToArray();
        if (shards.Count == 0) shards.Add([]);

        var temps = new List<(string Temp, string Final)>();
        try
        {
            for (int i = 0; i < shards.Count; i++)
            {
                string final = Path.Combine(directory, names[i]);
                temps.Add((WriteTemporary(final, shards[i], options), final));
            }
            string? indexPath = null;
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < shards.Count; i++)
                foreach (var t in shards[i]) weightMap.Add(t.Name, names[i]);
            long totalSize = list.Sum(t => t.ByteLength);
            long totalParameters = list.Sum(t => t.NumElements);
            if (shards.Count > 1)
            {
                indexPath = Path.Combine(directory, indexName);
                string indexJson = BuildIndexJson(weightMap, totalSize, options.WriteTotalParameters ? totalParameters : null);
                string temp = TemporaryName(indexPath);
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    fs.Write(Encoding.UTF8.GetBytes(indexJson));
                    fs.Flush(options.FlushToDisk);
                }
                temps.Add((temp, indexPath));
            }

            // Shards first, index last: a reader that sees the new index finds every shard it names.
            foreach (var (temp, final) in temps) File.Move(temp, final, overwrite: true);
            temps.Clear();

            DeleteStaleWeights(directory, options.WeightsName, names, sharded: shards.Count > 1, singleName, indexName);
            return new SafetensorsWriteResult(names.Select(n => Path.Combine(directory, n)).ToArray(), indexPath, weightMap, totalSize, totalParameters);
        }
        finally
        {
            foreach (var (temp, _) in temps) ReservedFile.TryDelete(temp);
        }
    }

    /// <summary>
    /// The header bytes (JSON plus space padding, without the 8-byte length prefix) that HF's safetensors would write
    /// for these tensors in one file, and the order the tensors' bytes follow in.
    /// </summary>
    public static (byte[] Header, IReadOnlyList<TensorWriteSource> Order) BuildHeader(IEnumerable<TensorWriteSource> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var planned = PlanFile(tensors.ToList());
        return (SafetensorsHeaderJson.Build(metadata, planned), planned.Select(p => p.Source).ToArray());
    }

    /// <summary>
    /// The index text transformers writes: <c>json.dumps({"metadata": {...}, "weight_map": {...}}, indent=2, sort_keys=True) + "\n"</c>.
    /// </summary>
    public static string BuildIndexJson(IReadOnlyDictionary<string, string> weightMap, long totalSize, long? totalParameters)
    {
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal) { ["total_size"] = totalSize };
        if (totalParameters is { } p) metadata["total_parameters"] = p;
        var index = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["metadata"] = metadata,
            ["weight_map"] = weightMap.ToDictionary(kv => kv.Key, kv => (object)kv.Value, StringComparer.Ordinal),
        };
        return PythonJson.DumpSortedIndented(index) + "\n";
    }

    /// <summary>huggingface_hub's split: close the shard before a tensor that would overflow it; oversized tensors get their own shard.</summary>
    internal static List<List<TensorWriteSource>> PlanShards(IReadOnlyList<TensorWriteSource> tensors, long maxShardSize)
    {
        var shards = new List<List<TensorWriteSource>>();
        var current = new List<TensorWriteSource>();
        long currentSize = 0;
        foreach (var t in tensors)
        {
            if (t.ByteLength > maxShardSize)
            {
                shards.Add([t]);
                continue;
            }
            if (currentSize + t.ByteLength > maxShardSize)
            {
                shards.Add(current);
                current = [];
                currentSize = 0;
            }
            current.Add(t);
            currentSize += t.ByteLength;
        }
        if (current.Count > 0) shards.Add(current);
        return shards;
    }

    private static List<PlannedTensor> PlanFile(IReadOnlyList<TensorWriteSource> tensors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!seen.Add(t.Name)) throw new ArgumentException($"tensor '{t.Name}' is given twice");
        var planned = new List<PlannedTensor>(tensors.Count);
        long offset = 0;
        foreach (var t in tensors.OrderByDescending(t => t.DType.SafetensorsAlignmentRank()).ThenBy(t => t.Name, CodePointComparer.Instance))
        {
            planned.Add(new PlannedTensor(t, offset, offset + t.ByteLength));
            offset += t.ByteLength;
        }
        return planned;
    }

    private static List<TensorWriteSource> ResolveTiedWeights(IEnumerable<TensorWriteSource> tensors, IReadOnlyDictionary<string, string> tied)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var all = tensors.ToList();
        var byName = new Dictionary<string, TensorWriteSource>(StringComparer.Ordinal);
        foreach (var t in all)
            if (!byName.TryAdd(t.Name, t)) throw new ArgumentException($"tensor '{t.Name}' is given twice");
        foreach (var (alias, canonical) in tied)
        {
            if (alias == canonical) throw new ArgumentException($"tied weight '{alias}' is tied to itself");
            if (tied.ContainsKey(canonical)) throw new ArgumentException($"tied weight '{alias}' points to '{canonical}', which is itself an alias");
            if (!byName.TryGetValue(canonical, out var target))
                throw new ArgumentException($"tied weight '{alias}' points to '{canonical}', which is not among the tensors to write");
            if (byName.TryGetValue(alias, out var aliased) && (aliased.DType != target.DType || !aliased.ShapeSpan.SequenceEqual(target.ShapeSpan)))
                throw new ArgumentException($"tied weight '{alias}' ({aliased}) does not match '{canonical}' ({target})");
        }
        return all.Where(t => !tied.ContainsKey(t.Name)).ToList();
    }

    /// <summary>Writes one file under a temporary name next to <paramref name="finalPath"/> and returns that name.</summary>
    private static string WriteTemporary(string finalPath, IReadOnlyList<TensorWriteSource> tensors, SafetensorsWriteOptions options)
    {
        var planned = PlanFile(tensors);
        byte[] header = SafetensorsHeaderJson.Build(options.Metadata, planned);
        string temp = TemporaryName(finalPath);
        long fileBytes = 8 + header.Length + planned.Sum(p => p.Source.ByteLength);
        var fs = ReservedFile.Create(temp, finalPath, fileBytes, FileMode.CreateNew);
        try
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            fs.Write(prefix);
            fs.Write(header);
            foreach (var p in planned)
            {
                long before = fs.Position;
                p.Source.WriteTo(fs);
                if (fs.Position - before != p.Source.ByteLength)
                    throw new InvalidOperationException($"tensor '{p.Source.Name}': {fs.Position - before} bytes written, {p.Source.ByteLength} expected");
            }
            fs.Flush(options.FlushToDisk);
            fs.Dispose();
            return temp;
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            DisposeQuietly(fs);
            ReservedFile.TryDelete(temp);
            throw DiskFullException.For(finalPath, fileBytes, e);
        }
        catch
        {
            DisposeQuietly(fs);
            ReservedFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>Closes a stream whose write failed: its Dispose retries the buffered bytes and fails again.</summary>
    private static void DisposeQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private static void DeleteStaleWeights(string directory, string stem, string[] written, bool sharded, string singleName, string indexName)
    {
        var keep = new HashSet<string>(written, StringComparer.Ordinal);
        var shardPattern = new Regex("^" + Regex.Escape(stem) + @"-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant);
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(file);
            if (keep.Contains(name)) continue;
            bool stale = shardPattern.IsMatch(name) || (sharded ? name == singleName : name == indexName);
            if (stale) File.Delete(file);
        }
    }

    private static string TemporaryName(string finalPath) =>
        $"{finalPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
