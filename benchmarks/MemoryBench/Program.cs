// MemoryBench: peak resident memory of one SFT step and one GRPO update on builtin:25m at 1 × 1024 and 4 × 1024
// tokens, for {activation checkpointing off, on} × {chunked LM-head log-probs off, on}. Every configuration runs in
// a fresh child process, so each peak (VmHWM) belongs to that configuration alone.
//   MemoryBench [--model 25m] [--threads 2] [--out DIR] [--write DIR]   all cells, then results.json + RESULTS.md
//   MemoryBench cell KIND ROWS SEQ on|off on|off --checkpoint DIR        one cell; prints its JSON on the last line
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryBench;
using ReasonFlux.Models;
using ReasonFlux.Models.Builtin;
using static ReasonFlux.Torch.torch;

string Arg(string name, string fallback) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
var threads = int.Parse(Arg("--threads", "2"), CultureInfo.InvariantCulture);

if (args.Length >= 6 && args[0] == "cell")
{
    set_num_threads(threads);
    var config = CellConfig.Parse(args[1..6]);
    var clock = Stopwatch.StartNew();
    using var policy = LanguageModel.Load(Arg("--checkpoint", ""));
    double loadMb = Memory.RssMb();
    double value = Cells.Run(config, policy);
    var cell = new JsonObject
    {
        ["name"] = config.Name, ["kind"] = config.Kind, ["rows"] = config.Rows, ["seq"] = config.Seq, ["tokens"] = config.Rows * config.Seq,
        ["gradient_checkpointing"] = config.Checkpointing, ["chunked_logprobs"] = config.ChunkedLogProbs,
        ["rss_after_load_mb"] = Math.Round(loadMb, 1), ["peak_rss_mb"] = Math.Round(Memory.PeakRssMb(), 1),
        ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2), ["check"] = value, ["load_average"] = Memory.LoadAverage(),
    };
    Console.WriteLine(cell.ToJsonString());
    return 0;
}
if (args.Length > 0 && args[0] != "--model" && args[0] != "--threads" && args[0] != "--out" && args[0] != "--write")
{
    Console.Error.WriteLine("usage: MemoryBench [--model 25m] [--threads 2] [--out DIR] [--write DIR] | MemoryBench cell sft|grpo ROWS SEQ on|off on|off --checkpoint DIR");
    return 2;
}

var root = BenchHost.RepoRoot();
var model = Arg("--model", "25m");
var outDir = Path.GetFullPath(Arg("--out", Path.Combine(root, "benchmarks/out/memory")));
var writeDir = Path.GetFullPath(Arg("--write", Path.Combine(root, "benchmarks/MemoryBench/results")));
var checkpoint = Path.Combine(outDir, "builtin-" + model);
if (!File.Exists(Path.Combine(checkpoint, "config.json"))) BuiltinModels.Materialize("builtin:" + model, checkpoint, seed: 0);

var cells = new JsonArray();
var configs = from kind in new[] { "sft", "grpo" }
              from rows in new[] { 1, 4 }
              from ckpt in new[] { false, true }
              from chunk in new[] { false, true }
              select new CellConfig(kind, rows, 1024, ckpt, chunk);
foreach (var config in configs)
{
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true };
    foreach (var a in new[] { "cell" }.Concat(config.Arguments).Concat(["--checkpoint", checkpoint, "--threads", threads.ToString(CultureInfo.InvariantCulture)]))
        psi.ArgumentList.Add(a);
    // libgomp's active spin-wait burns the shared cores between kernels; it does not change memory.
    psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
    using var child = Process.Start(psi)!;
    var output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    if (child.ExitCode != 0) throw new InvalidOperationException($"cell {config.Name} failed (exit {child.ExitCode})");
    var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
    var cell = JsonNode.Parse(line)!.AsObject();
    Console.Error.WriteLine($"{config.Name}: peak {cell["peak_rss_mb"]} MB (after load {cell["rss_after_load_mb"]} MB), {cell["seconds"]} s, load {cell["load_average"]}");
    cells.Add(cell);
}

Directory.CreateDirectory(writeDir);
var results = Report.Build(model, threads, $"{version.Major}.{version.Minor}.{version.Patch}", cells);
File.WriteAllText(Path.Combine(writeDir, "memory.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
File.WriteAllText(Path.Combine(writeDir, "memory.md"), Report.Markdown(results));
Console.WriteLine($"wrote {Path.Combine(writeDir, "memory.json")} and memory.md; checkpointing check {(results["done_when"]!["pass"]!.GetValue<bool>() ? "passes" : "FAILS")}");
return results["done_when"]!["pass"]!.GetValue<bool>() ? 0 : 1;

