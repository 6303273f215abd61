// PerfBench: the hot paths (SFT step, GRPO update, PRM scoring, rollout prefill/decode) through the product's own
// code against the same work in plain PyTorch eager (reference/peer_eager.py, Debian python3-torch), interleaved
// round by round (peer, ours, ours, peer, …: each side goes first in every other round) in one run so machine drift
// hits both. benchmarks/run.sh drives it:
//   PerfBench cell KIND CONFIG [--peer eager|torchsharp] [--batch B --seq T --prompt P --new N --rounds R --iters K] --out DIR
//   PerfBench report --out DIR      (benchmarks/RESULTS.md and benchmarks/results.json from DIR/cells/*.json)
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PerfBench;
using static ReasonFlux.Torch.torch;

// libgomp's active spin-wait makes 2-thread numbers meaningless on a shared machine; the peer sets the same.
if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") != "PASSIVE")
{
    var self = new ProcessStartInfo(Environment.ProcessPath!, Environment.GetCommandLineArgs().Skip(1)) { UseShellExecute = false };
    self.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
    using var child = Process.Start(self)!;
    child.WaitForExit();
    return child.ExitCode;
}

string Arg(string name, string fallback) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString()));
var root = BenchHost.RepoRoot();
var outDir = Path.GetFullPath(Arg("--out", Path.Combine(root, "benchmarks/out")));
if (args.Length >= 1 && args[0] == "report")
{
    Report.Write(root, outDir, Arg("--gemm-peak-json", ""), Arg("--write", Path.Combine(root, "benchmarks")));
    return 0;
}
if (args.Length < 3 || args[0] != "cell")
{
    Console.Error.WriteLine("usage: PerfBench cell sft|grpo|prm|rollout 25m|125m [--peer eager|torchsharp] [--batch B --seq T --prompt P --new N --rounds R --iters K --threads 2] --out DIR | PerfBench report --out DIR");
    return 2;
}
var kind = args[1];
var config = args[2];
var threads = IntArg("--threads", 2);
var rounds = IntArg("--rounds", 5);
var iters = IntArg("--iters", 1);
var shape = new CellShape(IntArg("--batch", 4), IntArg("--seq", 256), IntArg("--prompt", 64), IntArg("--new", 32), IntArg("--items", 32), IntArg("--steps", 8));
set_num_threads(threads);

var peerName = Arg("--peer", "eager");
// --device/--dtype move our side only (the GPU run, benchmarks/gpu/run-gpu.sh, has no peer: --peer none).
var device = ReasonFlux.Torch.Device.Parse(Arg("--device", "cpu"));
var dtype = ReasonFlux.Torch.ScalarTypeExtensions.Parse(Arg("--dtype", "float32"));
var checkpoint = Checkpoints.Ensure(root, outDir, config, prm: kind == "prm", byPeer: peerName != "none");
using var peer = peerName == "none" ? null : PeerProcess.Start(root, peerName, $"--kind {kind} --checkpoint {checkpoint} --threads {threads} {shape.PeerArguments}");
var place = new Placement(dtype, device);
IWorkload ours = kind switch
{
    "sft" => new SftWorkload(checkpoint, shape, place),
    "grpo" => new GrpoWorkload(checkpoint, shape, place),
    "prm" => new PrmWorkload(checkpoint, shape, place),
    "rollout" => new RolloutWorkload(checkpoint, shape, place),
    _ => throw new ArgumentException($"unknown kind {kind}"),
};
using var _ours = ours;

// Warm-up (untimed): allocator, kernels, and .NET's JIT of the whole path, which a long run pays once. The first
// iteration also runs on identical weights on both sides, so its value checks that both do the same work.
double peerCheck = peer is null ? double.NaN : (double)peer.Run(1)["check"]!;
double oursCheck = ours.Step();

var pairs = new List<(double Peer, double Ours, double PeerPrefill, double OursPrefill, double PeerDecode, double OursDecode)>();
// CPU seconds (user + system, all threads) beside wall seconds: on an oversubscribed machine the wall clock mostly
// measures the scheduler, while CPU time still measures the work each side does.
var cpuPairs = new List<(double Peer, double Ours)>();
using var process = Process.GetCurrentProcess();
double peerPeak = 0;
const int SettleMs = 300;
for (int r = 0; r < rounds; r++)
{
    // Whichever side runs second would start while the first one's thread pools (OpenBLAS workers spin, then yield)
    // wind down: measured at 25m batch 1, our prefill right after the peer's round was 0.68-0.90 of the peer's, and
    // 1.03-1.19 in the other order. So each side's turn starts after a pause that outlasts that spin, and the order
    // alternates as well.
    JsonObject? reply = null;
    double os = 0, op = 0, od = 0, oc = 0;
    void PeerTurn() => reply = peer?.Run(iters);
    void OurTurn()
    {
        for (int i = 0; i < iters; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            ours.Step();
            os += clock.Elapsed.TotalSeconds;
            process.Refresh();
            oc += (process.TotalProcessorTime - cpu0).TotalSeconds;
            if (ours is RolloutWorkload rw) { op += rw.LastStats.PrefillSeconds; od += rw.LastStats.DecodeSeconds; }
        }
    }
    Action[] turns = r % 2 == 1 ? [OurTurn, PeerTurn] : [PeerTurn, OurTurn];
    foreach (var turn in turns) { Thread.Sleep(SettleMs); turn(); }
    peerPeak = reply is null ? double.NaN : Math.Max(peerPeak, (double)reply["peak_rss_mb"]!);
    double Sum(string key) => reply is null ? double.NaN : reply[key]?.AsArray().Sum(x => (double)x!) ?? 0;
    double ps = Sum("seconds"), pp = Sum("prefill_seconds"), pd = Sum("decode_seconds"), pc = Sum("cpu_seconds");
    pairs.Add((ps, os, pp, op, pd, od));
    cpuPairs.Add((pc, oc));
    Console.Error.WriteLine($"{kind} {config} round {r + 1}/{rounds}: peer {ps:F3} s ({pc:F3} s CPU), ours {os:F3} s ({oc:F3} s CPU)");
}

var cell = new JsonObject
{
    ["kind"] = kind, ["config"] = config, ["peer"] = peerName, ["shape"] = JsonSerializer.SerializeToNode(shape), ["rounds"] = rounds, ["iters"] = iters,
    ["threads"] = threads, ["libtorch"] = $"{version.Major}.{version.Minor}.{version.Patch}", ["peer_torch"] = (string?)peer?.Ready["torch"] ?? "none", ["device"] = device.ToString(), ["dtype"] = dtype.ToString(),
    ["params"] = Flops.Parameters(checkpoint), ["check_ours"] = oursCheck, ["check_peer"] = Num(peerCheck),
    ["ours_peak_mb"] = PeakRssMb(), ["peer_peak_mb"] = Num(peerPeak),
    ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?",
};
// Without a peer its figures are undefined: null in the cell file (JSON has no NaN).
static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
JsonArray Series(Func<(double Peer, double Ours, double PeerPrefill, double OursPrefill, double PeerDecode, double OursDecode), (double, double)> pick) =>
    new(pairs.Select(p => (JsonNode)new JsonArray(Num(pick(p).Item1), Num(pick(p).Item2))).ToArray());
cell["cpu_seconds_peer_ours"] = new JsonArray(cpuPairs.Select(p => (JsonNode)new JsonArray(Num(p.Peer), Num(p.Ours))).ToArray());
if (kind == "rollout")
{
    cell["prefill_tokens"] = (long)shape.Batch * shape.Prompt;
    cell["decode_tokens"] = (long)shape.Batch * (shape.NewTokens - 1);
    cell["prefill_seconds_peer_ours"] = Series(p => (p.PeerPrefill, p.OursPrefill));
    cell["decode_seconds_peer_ours"] = Series(p => (p.PeerDecode, p.OursDecode));
}
else
{
    cell["tokens"] = ours.Tokens * iters;
    cell["seconds_peer_ours"] = Series(p => (p.Peer, p.Ours));
    cell["flops"] = Flops.PerIteration(checkpoint, kind, shape) * iters;
}
var cells = Path.Combine(outDir, "cells");
Directory.CreateDirectory(cells);
var name = $"{kind}-{config}" + (kind == "rollout" ? $"-b{shape.Batch}" : "") + (peerName == "eager" ? "" : "-" + peerName);
File.WriteAllText(Path.Combine(cells, name + ".json"), cell.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
Console.WriteLine($"wrote {Path.Combine(cells, name + ".json")}");
return 0;

static double PeakRssMb()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    return 0;
}

