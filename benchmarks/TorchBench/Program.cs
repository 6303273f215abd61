// Binding overhead benchmark: the same operations through ReasonFlux.Torch and from C++ directly, in one run,
// interleaved (peer, binding, peer, binding, …) so machine drift hits both. Writes results/torch-binding.{json,md}.
//   dotnet run -c Release --project benchmarks/TorchBench [-- --threads 2 --rounds 3]
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using static ReasonFlux.Torch.torch;

var threads = ArgValue("--threads", 2);
var rounds = ArgValue("--rounds", 3);
var root = BenchHost.RepoRoot();
var peer = BuildPeer(Path.Combine(root, "benchmarks/TorchBench/native"));
set_num_threads(threads);

var peerRuns = new List<JsonObject>();
var ours = new List<(double Mm, double Add, double Noop)>();
for (int r = 0; r < rounds; r++)
{
    peerRuns.Add(RunPeer(peer, threads));
    ours.Add((MatmulSeconds(1024, 10, 7), AddSeconds(), NoopSeconds()));
}

double Median(IEnumerable<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return a[a.Length / 2]; }
var peerMm = Median(peerRuns.Select(p => (double)p["matmul1024_s"]!));
var peerAdd = Median(peerRuns.Select(p => (double)p["add1_s"]!));
var peak = Median(peerRuns.Select(p => (double)p["gemm_peak_gflops"]!));
var ourMm = Median(ours.Select(o => o.Mm));
var ourAdd = Median(ours.Select(o => o.Add));
var noop = Median(ours.Select(o => o.Noop));
var gflops = 2.0 * 1024 * 1024 * 1024 / ourMm / 1e9;

var result = new JsonObject
{
    ["benchmark"] = "torch-binding",
    ["libtorch"] = $"{version.Major}.{version.Minor}.{version.Patch}",
    ["threads"] = threads,
    ["rounds"] = rounds,
    ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
    ["matmul1024_fp32"] = new JsonObject
    {
        ["binding_s"] = ourMm, ["cpp_s"] = peerMm, ["ratio_binding_over_cpp"] = ourMm / peerMm,
        ["binding_gflops"] = gflops, ["overhead_percent"] = (ourMm / peerMm - 1) * 100,
    },
    ["add_1_element"] = new JsonObject
    {
        ["binding_us"] = ourAdd * 1e6, ["cpp_us"] = peerAdd * 1e6, ["ratio_binding_over_cpp"] = ourAdd / peerAdd,
        ["overhead_us"] = (ourAdd - peerAdd) * 1e6,
    },
    ["noop_native_call_ns"] = noop * 1e9,
    ["gemm_peak_gflops_fp32"] = peak,
    ["gemm_peak_n"] = (double)peerRuns[0]["gemm_peak_n"]!,
    ["bars"] = new JsonObject
    {
        ["matmul_overhead_under_2_percent"] = ourMm / peerMm - 1 < 0.02,
        ["trivial_op_overhead_under_2_us"] = (ourAdd - peerAdd) * 1e6 < 2,
    },
};
var outDir = Path.Combine(root, "benchmarks/TorchBench/results");
Directory.CreateDirectory(outDir);
File.WriteAllText(Path.Combine(outDir, "torch-binding.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
var md = $"""
# libtorch binding overhead

libtorch {result["libtorch"]}, {threads} threads, {rounds} interleaved rounds (medians). Peer: the same calls from C++ (`native/peer.cpp`).

| operation | ReasonFlux.Torch | C++ libtorch | ratio (binding / C++) | overhead |
|---|---|---|---|---|
| 1024×1024 fp32 matmul | {ourMm * 1e3:F2} ms ({gflops:F1} GFLOP/s) | {peerMm * 1e3:F2} ms | {ourMm / peerMm:F3} | {(ourMm / peerMm - 1) * 100:F2} % |
| add of two 1-element tensors | {ourAdd * 1e6:F2} µs | {peerAdd * 1e6:F2} µs | {ourAdd / peerAdd:F2} | {(ourAdd - peerAdd) * 1e6:F2} µs |
| no-op native call | {noop * 1e9:F1} ns | — | — | — |

Machine fp32 GEMM peak (best of n = 256…2048, C++): **{peak:F1} GFLOP/s**. Later benchmarks quote MFU against it.
""";
File.WriteAllText(Path.Combine(outDir, "torch-binding.md"), md);
Console.WriteLine(md);

static double MatmulSeconds(long n, int iters, int reps)
{
    using var a = randn([n, n]);
    using var b = randn([n, n]);
    for (int i = 0; i < 2; i++) a.matmul(b).Dispose();
    var times = new List<double>();
    for (int r = 0; r < reps; r++)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iters; i++) a.matmul(b).Dispose();
        times.Add(sw.Elapsed.TotalSeconds / iters);
    }
    return times.Order().ElementAt(times.Count / 2);
}

static double AddSeconds()
{
    using var x = ones([1]);
    using var y = ones([1]);
    const int calls = 200_000;
    var times = new List<double>();
    for (int r = 0; r < 7; r++)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) x.add(y).Dispose();
        times.Add(sw.Elapsed.TotalSeconds / calls);
    }
    return times.Order().ElementAt(times.Count / 2);
}

static double NoopSeconds()
{
    const int calls = 5_000_000;
    long acc = 0;
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < calls; i++) acc += NativeNoop(i);
    var s = sw.Elapsed.TotalSeconds / calls;
    GC.KeepAlive(acc);
    return s;
}

static string BuildPeer(string dir)
{
    var build = Path.Combine(dir, "build");
    Run("cmake", $"-S \"{dir}\" -B \"{build}\" -DCMAKE_BUILD_TYPE=Release");
    Run("cmake", $"--build \"{build}\" -j 2");
    return Path.Combine(build, "torch_bench_peer");
}

static JsonObject RunPeer(string exe, int threads)
{
    var output = Run(exe, threads.ToString());
    return JsonNode.Parse(output.Trim().Split('\n').Last())!.AsObject();
}

static string Run(string file, string args)
{
    var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEnd();
    var stderr = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {stderr}");
    return stdout;
}


int ArgValue(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
