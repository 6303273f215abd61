using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Checkpoints;
using ReasonFlux.Models.Weights;
using ReasonFlux.Torch;
using static ReasonFlux.Torch.torch;

namespace ReasonFlux.Training.Common;

/// <summary>
/// A checkpoint's optimizer state, one safetensors file per owner rank (<c>optimizer-shard-K-of-N.safetensors</c>:
/// <c>NAME.exp_avg</c>, <c>NAME.exp_avg_sq</c>, and <c>NAME.master</c> where the parameter has a wider master copy),
/// and <c>optimizer-index.json</c> mapping each parameter name to its file. Rank 0 writes every file while the
/// owners stream their state to it; a resumed run reads, by parameter name, only the parameters each of its ranks
/// owns, so any world size resumes any other's checkpoint. Checkpoints from before the shards (one
/// <c>optimizer.safetensors</c>) are read the same way.
/// </summary>
public static class OptimizerShardFiles
{
    public const string IndexFile = "optimizer-index.json";

    /// <summary>The single optimizer file of checkpoints written before the shards.</summary>
    public const string LegacyFile = "optimizer.safetensors";

    public static string ShardName(int shard, int count) => $"optimizer-shard-{shard}-of-{count}.safetensors";

    public static string Key(string parameter, StateKind kind) => parameter + kind switch
    {
        StateKind.ExpAvg => ".exp_avg",
        StateKind.ExpAvgSq => ".exp_avg_sq",
        _ => ".master",
    };

    /// <summary>
    /// A collective: every rank calls it; <paramref name="directory"/> is the checkpoint folder on the writer and
    /// null on the others. Each shard's tensors reach the writer bucket by bucket in the order of its file and are
    /// appended as they arrive, so the writer holds one bucket at a time and the owners keep no copy.
    /// </summary>
    public static void Write(string? directory, IReadOnlyList<string> names, StageOptimizer optimizer)
    {
        int count = optimizer.ShardCount;
        var all = optimizer.Entries();
        var weightMap = new JsonObject();
        var metadata = SafetensorsWriteOptions.PyTorchMetadata;
        for (int shard = 0; shard < count; shard++)
        {
            var entries = all.Where(e => optimizer.ShardOf(e.Parameter) == shard).ToList();
            var byKey = entries.ToDictionary(e => Key(names[e.Parameter], e.Kind), StringComparer.Ordinal);
            // Names, dtypes and shapes only: the bytes come through Append, so the callbacks are never run.
            var layout = entries.Select(e => TensorWriteSource.FromCallback(Key(names[e.Parameter], e.Kind), (DType)(int)optimizer.DtypeOf(e), optimizer.ShapeOf(e),
                _ => throw new InvalidOperationException("streamed tensors are appended, not read"))).ToList();
            string file = ShardName(shard, count);
            using var writer = directory is null ? null : new SafetensorsAppendWriter(Path.Combine(directory, file), layout, metadata);
            var order = writer?.Order ?? SafetensorsAppendWriter.OrderOf(layout, metadata);
            optimizer.StreamToWriter(order.Select(k => byKey[k]).ToList(), (_, t) => Append(writer!, t));
            writer?.Commit();
            foreach (var e in entries) weightMap[names[e.Parameter]] = file;
        }
        if (directory is null) return;
        var index = new JsonObject { ["shards"] = count, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Restores the moments, step counts and master copies of the parameters this rank owns (ZeRO-0: all), reading
    /// from each file only those tensors, onto <paramref name="device"/>.
    /// </summary>
    public static void Restore(string directory, IReadOnlyList<string> names, StageOptimizer optimizer, JsonObject steps, Device device)
    {
        var files = FileOf(directory, names);
        var owned = Enumerable.Range(0, names.Count).Where(optimizer.Owns).ToList();
        foreach (var group in owned.GroupBy(i => files[i]))
        {
            var path = Path.Combine(directory, group.Key);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: optimizer shard missing ({IndexFile} names it for \"{names[group.First()]}\")", path);
            var keys = group.SelectMany(i => new[] { Key(names[i], StateKind.ExpAvg), Key(names[i], StateKind.ExpAvgSq), Key(names[i], StateKind.Master) }).ToHashSet(StringComparer.Ordinal);
            Dictionary<string, Tensor> tensors;
            try { tensors = TensorFiles.Read(path, keys.Contains, device); }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException) { throw new InvalidDataException($"{path}: corrupt optimizer shard: {e.Message}", e); }
            try
            {
                foreach (var i in group)
                {
                    if (!tensors.TryGetValue(Key(names[i], StateKind.ExpAvg), out var m) || !tensors.TryGetValue(Key(names[i], StateKind.ExpAvgSq), out var v))
                        throw new InvalidDataException($"{path}: no optimizer state for \"{names[i]}\"");
                    if (steps[names[i]] is not JsonValue step)
                        throw new InvalidDataException($"{Path.Combine(directory, TrainerCheckpoint.StateFile)}: no optimizer step count for \"{names[i]}\"");
                    optimizer.SetState(i, m, v, step.GetValue<long>());
                    if (tensors.TryGetValue(Key(names[i], StateKind.Master), out var master)) optimizer.SetMasterWeight(i, master);
                }
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }
    }

    /// <summary>Each parameter's optimizer file: from the index, or the one legacy file.</summary>
    private static string[] FileOf(string directory, IReadOnlyList<string> names)
    {
        var indexPath = Path.Combine(directory, IndexFile);
        if (!File.Exists(indexPath))
        {
            if (File.Exists(Path.Combine(directory, LegacyFile))) return names.Select(_ => LegacyFile).ToArray();
            throw new FileNotFoundException($"{indexPath}: optimizer index missing from the checkpoint", indexPath);
        }
        JsonObject map;
        try { map = JsonNode.Parse(File.ReadAllText(indexPath))!["weight_map"]!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException) { throw new InvalidDataException($"{indexPath}: not an optimizer index ({e.Message})"); }
        return names.Select(n => map[n] is JsonValue f && f.TryGetValue<string>(out var file) && file.IndexOfAny(['/', '\\']) < 0
            ? file
            : throw new InvalidDataException($"{indexPath}: no optimizer shard for \"{n}\"")).ToArray();
    }

    /// <summary>Appends a tensor's bytes (on the CPU, contiguous) in chunks, never as one managed array (a 7B embedding's state is over 2 GB).</summary>
    private static unsafe void Append(SafetensorsAppendWriter writer, Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().to(t.dtype, Device.CPU).contiguous();
        long bytes = cpu.numel() * cpu.dtype.ElementSize();
        byte* p = (byte*)cpu.DataPointer();
        const int chunk = 1 << 26;
        for (long offset = 0; offset < bytes; offset += chunk)
            writer.Append(new ReadOnlySpan<byte>(p + offset, (int)Math.Min(chunk, bytes - offset)));
    }
}
