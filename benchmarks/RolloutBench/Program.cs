// Rollout throughput: ReasonFlux.Rollout against the same Qwen2 written in plain PyTorch eager Python
// (reference/generate_eager.py), in one run, on the same random weights and prompts, greedy. For each model the
// peer runs first and saves its weights; ours loads them, checks it generates the same tokens, and is timed.
//   OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project benchmarks/RolloutBench [-- --configs 25m,125m --batches 1,16,64 --threads 2]
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.Models;
using ReasonFlux.Rollout;
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
var configs = Arg("--configs", "25m,125m").Split(',');
var batches = Arg("--batches", "1,16,64").Split(',').Select(int.Parse).ToArray();
var threads = int.Parse(Arg("--threads", "2"));
var promptLen = int.Parse(Arg("--prompt-len", "64"));
var newTokens = int.Parse(Arg("--new-tokens", "64"));
var root = FindRoot();
var work = Path.Combine(root, "benchmarks/RolloutBench/out");
Directory.CreateDirectory(work);
set_num_threads(threads);

var rows = new JsonArray();
var md = new List<string>
{
    "# Rollout throughput: ReasonFlux.Rollout vs PyTorch eager (CPU, fp32, greedy)",
    "",
    $"libtorch {version.Major}.{version.Minor}, {threads} threads, OMP_WAIT_POLICY=PASSIVE, prompt {promptLen} tokens, {newTokens} new tokens, same weights and prompts. Ratio = ours / PyTorch eager (> 1: we are faster).",
    "",
    "| model | batch | prefill tok/s (ours) | prefill tok/s (eager) | ratio | decode tok/s (ours) | decode tok/s (eager) | ratio | same tokens |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
};
foreach (var config in configs)
{
    var ckpt = Path.Combine(work, "ckpt-" + config);
    var peerJson = Path.Combine(work, $"eager-{config}.json");
    var save = Directory.Exists(ckpt) ? $"--load-checkpoint {ckpt}" : $"--save-checkpoint {ckpt}";
    Run("/usr/bin/python3", $"{root}/benchmarks/RolloutBench/reference/generate_eager.py --config {config} --batch {string.Join(",", batches)} --prompt-len {promptLen} --new-tokens {newTokens} --threads {threads} {save} --json {peerJson}");
    var peer = JsonNode.Parse(File.ReadAllText(peerJson))!["models"]![0]!;
    var prompts = peer["prompt_ids"]!.AsArray().Select(r => r!.AsArray().Select(x => (int)x!).ToArray()).ToArray();
    using var model = PretrainedModel.LoadCausalLM(ckpt);
    var engine = new RolloutEngine(model, options: new RolloutEngineOptions { MaxBatchSize = batches.Max(), MaxBatchTokens = long.MaxValue });
    // Warm-up: the peer warms up on 8 tokens; .NET also JIT-compiles the generation path on first use, which a
    // long-running trainer pays once, so ours warms up on a full-length prompt (still untimed, 4 new tokens).
    engine.Generate([prompts[0]], new SamplingParams { Temperature = 0, MaxNewTokens = 4 });
    foreach (var run in peer["runs"]!.AsArray())
    {
        int b = (int)run!["batch"]!;
        int n = (int)run["new_tokens"]!;
        var results = engine.Generate(prompts[..b], new SamplingParams { Temperature = 0, MaxNewTokens = n });
        var s = engine.LastStats;
        var peerSeq0 = run["generated_ids_seq0"]!.AsArray().Select(x => (int)x!).ToArray();
        var same = results[0].TokenIds.SequenceEqual(peerSeq0);
        double pp = (double)run["prefill_tokens_per_s"]!, pd = (double)run["decode_tokens_per_s"]!;
        rows.Add(new JsonObject
        {
            ["model"] = config, ["batch"] = b, ["new_tokens"] = n,
            ["ours_prefill_tokens_per_s"] = s.PrefillTokensPerSecond, ["eager_prefill_tokens_per_s"] = pp,
            ["prefill_ratio"] = s.PrefillTokensPerSecond / pp,
            ["ours_decode_tokens_per_s"] = s.DecodeTokensPerSecond, ["eager_decode_tokens_per_s"] = pd,
            ["decode_ratio"] = s.DecodeTokensPerSecond / pd,
            ["same_tokens_seq0"] = same,
        });
        md.Add($"| {config} | {b} | {s.PrefillTokensPerSecond:F0} | {pp:F0} | {s.PrefillTokensPerSecond / pp:F2} | {s.DecodeTokensPerSecond:F1} | {pd:F1} | {s.DecodeTokensPerSecond / pd:F2} | {(same ? "yes" : "no")} |");
        Console.WriteLine(md[^1]);
    }
}
var bar = rows.Where(r => (int)r!["batch"]! == 16).Select(r => (double)r!["decode_ratio"]!).ToArray();
md.Add("");
md.Add($"Bar (decode at batch 16 at least the eager reference's): {(bar.Length > 0 && bar.All(x => x >= 1.0) ? "met" : "NOT met")} (ratios {string.Join(", ", bar.Select(x => x.ToString("F2")))}).");
var resultsDir = Path.Combine(root, "benchmarks/RolloutBench/results");
Directory.CreateDirectory(resultsDir);
File.WriteAllText(Path.Combine(resultsDir, "rollout.json"), new JsonObject
{
    ["benchmark"] = "rollout", ["threads"] = threads, ["prompt_len"] = promptLen, ["rows"] = rows,
}.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
File.WriteAllText(Path.Combine(resultsDir, "rollout.md"), string.Join("\n", md) + "\n");
Console.WriteLine(string.Join("\n", md));
return 0;

static void Run(string file, string args)
{
    var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
    psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed: {err.Result}");
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "ReasonFlux.Rl.sln"))) return d.FullName;
    throw new InvalidOperationException("run inside the checkout");
}
