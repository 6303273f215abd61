// AllReduceBench: one data-parallel step's gradient all-reduce of a built-in model (125m by default) over 2 Gloo
// processes on this machine, ours (DataParallel.AllReduceGradients: 25 MB flat buckets on our c10d binding)
// against PyTorch's torch.distributed Gloo doing the same bucketed all-reduce (reference/allreduce_peer.py on
// Debian's python3-torch), interleaved round by round in one run.
//   AllReduceBench [--model 125m] [--rounds 3] [--iters 5] [--write DIR]
//   AllReduceBench rank R WORLD PORT MODEL ITERS     (a worker; the driver starts two)
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AllReduceBench;
using ReasonFlux.Runs.Distributed;
using ReasonFlux.Training.Common;
using static ReasonFlux.Torch.torch;

if (args.Length >= 1 && args[0] == "rank") return Worker.Run(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), args[4], int.Parse(args[5]));

string Arg(string name, string fallback) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
var model = Arg("--model", "125m");
int rounds = int.Parse(Arg("--rounds", "3")), iters = int.Parse(Arg("--iters", "5"));
var root = BenchHost.RepoRoot();
var writeDir = Path.GetFullPath(Arg("--write", Path.Combine(root, "benchmarks/AllReduceBench/results")));
var shapes = GradientShapes.Of(model);
long elements = shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));
var shapesFile = Path.Combine(Path.GetTempPath(), $"allreduce-shapes-{Environment.ProcessId}.json");
File.WriteAllText(shapesFile, JsonSerializer.Serialize(shapes));

var ours = new List<double>();
var peer = new List<double>();
var loads = new List<string>();
int port = 29600 + Environment.ProcessId % 1000;
try
{
    for (int r = 0; r < rounds; r++)
    {
        peer.Add(Launch("/usr/bin/python3", w => $"{root}/benchmarks/AllReduceBench/reference/allreduce_peer.py {w} 2 {port} {shapesFile} {iters} {DataParallel.BucketBytes}"));
        port++;
        ours.Add(Launch(Environment.ProcessPath!, w => $"rank {w} 2 {port} {model} {iters}"));
        port++;
        loads.Add(BenchHost.LoadAverage());
        Console.WriteLine($"round {r + 1}/{rounds}: peer {peer[^1] * 1e3:F1} ms, ours {ours[^1] * 1e3:F1} ms per all-reduce of {elements * 4 / 1e6:F0} MB");
    }
}
finally
{
    File.Delete(shapesFile);
}

double Median(IEnumerable<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2; }
var ratios = peer.Zip(ours, (p, o) => p / o).ToArray();
double bytes = elements * 4.0;
var result = new JsonObject
{
    ["model"] = "builtin:" + model, ["parameters"] = elements, ["bytes"] = bytes, ["world"] = 2, ["backend"] = "gloo (loopback)",
    ["bucket_bytes"] = DataParallel.BucketBytes, ["iters_per_round"] = iters, ["cores"] = Environment.ProcessorCount,
    ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm"), ["load_average_per_round"] = new JsonArray(loads.Select(l => (JsonNode)l).ToArray()),
    ["ours_seconds"] = new JsonArray(ours.Select(x => (JsonNode)Math.Round(x, 5)).ToArray()),
    ["peer_seconds"] = new JsonArray(peer.Select(x => (JsonNode)Math.Round(x, 5)).ToArray()),
    ["ratio_median"] = Math.Round(Median(ratios), 3), ["ours_gb_per_s"] = Math.Round(bytes / Median(ours) / 1e9, 3), ["peer_gb_per_s"] = Math.Round(bytes / Median(peer) / 1e9, 3),
};
Directory.CreateDirectory(writeDir);
File.WriteAllText(Path.Combine(writeDir, "allreduce.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
File.WriteAllText(Path.Combine(writeDir, "allreduce.md"), string.Join("\n",
[
    $"# Gradient all-reduce, builtin:{model} ({elements / 1e6:F1}M fp32 gradients, {bytes / 1e6:F0} MB), 2 Gloo processes on one machine",
    "",
    "Written by `benchmarks/AllReduceBench` (do not edit by hand). One data-parallel step's gradient all-reduce in 25 MB flat",
    "buckets: ours through `DataParallel.AllReduceGradients` (our c10d binding, libtorch 1.13 Gloo), the peer the same",
    "flatten / `dist.all_reduce` / unflatten on PyTorch's `torch.distributed` Gloo (Debian python3-torch), interleaved",
    $"round by round; each figure is the median of {iters} steps after one warm-up. {Environment.ProcessorCount} cores, {result["date_utc"]} UTC,",
    $"1-minute load averages per round: {string.Join(", ", loads.Select(l => l.Split(' ')[0]))} (the machine is shared; read the ratio, not the absolute times).",
    "",
    "| | seconds per step (median of rounds) | GB/s (payload / time) |",
    "|---|---:|---:|",
    $"| ours | {Median(ours):F3} | {result["ours_gb_per_s"]} |",
    $"| torch.distributed | {Median(peer):F3} | {result["peer_gb_per_s"]} |",
    "",
    $"Ratio (peer time / ours, median over rounds): **{result["ratio_median"]}** (> 1: ours is faster).",
    "",
]));
Console.WriteLine($"ratio {result["ratio_median"]}; wrote {writeDir}/allreduce.md");
return 0;

// Starts both ranks, waits for them, and returns rank 0's seconds per all-reduce step (its last stdout line).
static double Launch(string exe, Func<int, string> arguments)
{
    var procs = Enumerable.Range(0, 2).Select(w =>
    {
        var psi = new ProcessStartInfo(exe, arguments(w)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        return Process.Start(psi)!;
    }).ToArray();
    var outputs = procs.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToArray();
    foreach (var p in procs)
        if (!p.WaitForExit(600_000)) { foreach (var q in procs) q.Kill(); throw new TimeoutException($"{exe} did not finish in 10 minutes"); }
    for (int w = 0; w < 2; w++)
        if (procs[w].ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(exe)} rank {w} exited {procs[w].ExitCode}: {outputs[w].Err.Result}{outputs[w].Out.Result}");
    var last = outputs[0].Out.Result.Trim().Split('\n')[^1];
    return JsonNode.Parse(last)!["seconds"]!.GetValue<double>();
}
