using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ReasonFlux.Checkpoints;

// Safetensors write/read throughput on a synthetic checkpoint (default 1 GiB of bf16 in 64 MiB tensors).
// Usage: dotnet run -c Release --project benchmarks/ReasonFlux.Checkpoints.Bench [-- <GiB> <work-dir>]
// Results: benchmarks/ReasonFlux.Checkpoints.Bench/out/results.json and results.md.
double gib = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1.0;
string work = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "rf-ckpt-bench-" + Environment.ProcessId);
string outDir = Path.Combine(AppContext.BaseDirectory, "../../../out");
Directory.CreateDirectory(work);
Directory.CreateDirectory(outDir);

const long tensorBytes = 64L * 1024 * 1024;
int count = Math.Max(1, (int)Math.Round(gib * 1024 * 1024 * 1024 / tensorBytes));
long total = count * tensorBytes;
var results = new List<(string Name, double Seconds, double GBps)>();

unsafe
{
    // One native source buffer reused for every tensor: the writer streams it, as it would a CPU tensor's data_ptr.
    byte* src = (byte*)NativeMemory.Alloc((nuint)tensorBytes);
    byte* dst = (byte*)NativeMemory.Alloc((nuint)tensorBytes);
    try
    {
        new Random(1).NextBytes(new Span<byte>(src, (int)tensorBytes));
        var sources = Enumerable.Range(0, count)
            .Select(i => TensorWriteSource.FromPointer($"model.layers.{i}.mlp.up_proj.weight", DType.BF16, [tensorBytes / 2], (nint)src))
            .ToList();

        string single = Path.Combine(work, "single");
        Time("write model.safetensors (fsync)", total, () => SafetensorsWriter.WriteCheckpoint(single, sources));
        Time("write model.safetensors (no fsync)", total, () => SafetensorsWriter.WriteCheckpoint(single, sources, new SafetensorsWriteOptions { FlushToDisk = false }));
        string sharded = Path.Combine(work, "sharded");
        Time("write 256 MB shards + index (fsync)", total, () => SafetensorsWriter.WriteCheckpoint(sharded, sources, new SafetensorsWriteOptions { MaxShardSize = 256_000_000 }));

        for (int pass = 1; pass <= 2; pass++)
        {
            Time($"open+validate+CopyTo native, single file, pass {pass}", total, () =>
            {
                using var ckpt = SafetensorsCheckpoint.Open(single);
                foreach (var n in ckpt.Names) ckpt.CopyTo(n, (nint)dst, tensorBytes);
            });
        }
        Time("open+validate+CopyTo native, sharded", total, () =>
        {
            using var ckpt = SafetensorsCheckpoint.Open(sharded);
            foreach (var n in ckpt.Names) ckpt.CopyTo(n, (nint)dst, tensorBytes);
        });
        var sw = Stopwatch.StartNew();
        const int opens = 200;
        for (int i = 0; i < opens; i++) SafetensorsCheckpoint.Open(sharded).Dispose();
        results.Add(("open+validate only, sharded (per open)", sw.Elapsed.TotalSeconds / opens, 0));
    }
    finally
    {
        NativeMemory.Free(src);
        NativeMemory.Free(dst);
        Directory.Delete(work, recursive: true);
    }
}

var json = new
{
    machine = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}",
    total_bytes = total,
    tensors = count,
    page_cache = "warm: files are read right after being written; a cold read from disk is slower",
    results = results.Select(r => new { name = r.Name, seconds = r.Seconds, gb_per_s = r.GBps }),
};
File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
var md = new System.Text.StringBuilder($"Safetensors throughput, {total / 1e9:F2} GB in {count} bf16 tensors ({json.machine}; page cache warm)\n\n| case | seconds | GB/s |\n|---|---:|---:|\n");
foreach (var r in results) md.Append($"| {r.Name} | {r.Seconds:F4} | {(r.GBps > 0 ? r.GBps.ToString("F2") : "-")} |\n");
File.WriteAllText(Path.Combine(outDir, "results.md"), md.ToString());
Console.Write(md);

void Time(string name, long bytes, Action action)
{
    var sw = Stopwatch.StartNew();
    action();
    double s = sw.Elapsed.TotalSeconds;
    results.Add((name, s, bytes / s / 1e9));
}
