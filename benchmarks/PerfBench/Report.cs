using System.Text.Json;
using System.Text.Json.Nodes;

namespace PerfBench;

/// <summary>
/// Turns the cell files into benchmarks/results.json (one row per figure: name, ours, peer, unit, ratio_median;
/// ratio > 1 means we are faster) and benchmarks/RESULTS.md (the same with min/max and peak memory), and carries
/// the TorchSharp peer and GPU sections from benchmarks/results-notes.md.
/// </summary>
internal static class Report
{
    private sealed record Row(string Name, double Ours, double Peer, string Unit, double Min, double Median, double Max, double OursPeakMb, double PeerPeakMb, string Note)
    {
        /// <summary>Median of peer CPU seconds / our CPU seconds over the cell's rounds (the whole iteration).</summary>
        public double CpuMedian { get; init; } = double.NaN;
    }

    /// <param name="gemmPeakJson">The GPU run's bf16 peak ({"bf16_gemm_tflops"}); empty: TorchBench's fp32 CPU peak.</param>
    /// <param name="writeDir">Where RESULTS.md and results.json go.</param>
    public static void Write(string root, string outDir, string gemmPeakJson, string writeDir)
    {
        var peak = gemmPeakJson.Length > 0 ? (double)JsonNode.Parse(File.ReadAllText(gemmPeakJson))!["bf16_gemm_tflops"]! * 1000 : GemmPeakGflops(root);
        var rows = new List<Row>();
        var cells = Directory.GetFiles(Path.Combine(outDir, "cells"), "*.json").OrderBy(CellOrder).ThenBy(f => f, StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToList();
        string load = string.Join(", ", cells.Select(c => (string?)c["load_average"]).Distinct());
        foreach (var c in cells)
        {
            string kind = (string)c["kind"]!;
            // Figures against the TorchSharp peer carry its name; the ≥ 1.0 bar is against PyTorch eager.
            string config = (string)c["config"]! + ((string?)c["peer"] is "torchsharp" ? "/vs-torchsharp" : "");
            double om = (double)c["ours_peak_mb"]!, pm = (double?)c["peer_peak_mb"] ?? double.NaN;
            var cpu = Pairs(c["cpu_seconds_peer_ours"]!).Select(p => p.Peer / p.Ours).ToArray();
            int before = rows.Count;
            string check = $"check ours {(double)c["check_ours"]!:G6} / peer {(double?)c["check_peer"] ?? double.NaN:G6}";
            if (kind == "rollout")
            {
                long b = (long)c["shape"]!["Batch"]!;
                rows.Add(Throughput($"rollout_prefill/{config}/b{b}", (long)c["prefill_tokens"]!, Pairs(c["prefill_seconds_peer_ours"]!), om, pm, check));
                rows.Add(Throughput($"rollout_decode/{config}/b{b}", (long)c["decode_tokens"]!, Pairs(c["decode_seconds_peer_ours"]!), om, pm, check));
                WithCpu(rows, before, Median(cpu));
                continue;
            }
            var pairs = Pairs(c["seconds_peer_ours"]!);
            string label = kind switch { "sft" => "sft_step", "grpo" => "grpo_update", _ => "prm_score" };
            rows.Add(Throughput($"{label}/{config}", (long)c["tokens"]!, pairs, om, pm, check));
            if (kind != "prm" && peak > 0)
            {
                double flops = (double)c["flops"]!;
                double oursMfu = flops / Median(pairs.Select(p => p.Ours)) / (peak * 1e9);
                double peerMfu = flops / Median(pairs.Select(p => p.Peer)) / (peak * 1e9);
                var ratios = pairs.Select(p => p.Peer / p.Ours).ToArray();
                rows.Add(new Row($"{label}/{config}/mfu", oursMfu, peerMfu, $"fraction of {peak:F1} GFLOP/s", ratios.Min(), Median(ratios), ratios.Max(), om, pm, ""));
            }
            WithCpu(rows, before, Median(cpu));
        }

        var json = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Name, ["ours"] = Round(r.Ours, 4), ["peer"] = Round(r.Peer, 4), ["unit"] = r.Unit,
            ["ratio_median"] = Round(r.Median, 3), ["ratio_min"] = Round(r.Min, 3), ["ratio_max"] = Round(r.Max, 3),
            ["cpu_ratio_median"] = Round(r.CpuMedian, 3), ["ours_peak_mb"] = Round(r.OursPeakMb, 0), ["peer_peak_mb"] = Round(r.PeerPeakMb, 0),
        }).ToArray());
        Directory.CreateDirectory(writeDir);
        File.WriteAllText(Path.Combine(writeDir, "results.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var first = cells.FirstOrDefault();
        // The eager peer's version comes from an eager cell: with --torchsharp the first cell may be a TorchSharp one.
        var eager = cells.FirstOrDefault(c => (string?)c["peer"] is not "torchsharp");
        var md = new List<string>
        {
            "# Benchmarks: ReasonFlux vs PyTorch eager (and TorchSharp 0.107) on CPU, fp32",
            "",
            "Written by `benchmarks/run.sh` (do not edit by hand; notes come from `benchmarks/results-notes.md`).",
            "",
            $"libtorch {first?["libtorch"]} (ours, {first?["device"]} {first?["dtype"]}) vs python3-torch {eager?["peer_torch"] ?? "none"} (eager peer); rows marked vs-torchsharp: TorchSharp 0.107 / libtorch 2.10 (same work, benchmarks/TorchSharpPeer). {first?["threads"]} threads, OMP_WAIT_POLICY=PASSIVE, " +
            $"{Environment.ProcessorCount} cores, 1-minute load average at the end of each cell: {load}. Ratio = peer seconds / our seconds per interleaved " +
            "round (peer, ours, peer, ours, …); > 1 means we are faster. The CPU-time ratio (peer CPU seconds / ours, user + system of all threads, " +
            "median over the rounds, whole iteration) is steadier than the wall clock when the cores are oversubscribed. Peak memory is each process's peak RSS (VmHWM / ru_maxrss) over its whole cell, " +
            $"model load included. MFU is model FLOPs / time / the fp32 GEMM peak that TorchBench measured ({peak:F1} GFLOP/s).",
            "",
            "| figure | ours | peer | unit | ratio min | ratio median | ratio max | CPU-time ratio | peak MB ours | peak MB peer | note |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
        };
        md.AddRange(rows.Select(r => $"| {r.Name} | {Format(r.Ours)} | {Format(r.Peer)} | {r.Unit} | {r.Min:F2} | **{r.Median:F2}** | {r.Max:F2} | {r.CpuMedian:F2} | {r.OursPeakMb:F0} | {r.PeerPeakMb:F0} | {r.Note} |"));
        md.Add("");
        md.Add("Shapes: " + string.Join("; ", cells.Select(c => $"{c["kind"]} {c["config"]}: {Shape(c)}").Distinct()) + ".");
        var below = rows.Where(r => (r.Median < 1.0 || !double.IsFinite(r.Median)) && !r.Name.Contains("vs-torchsharp", StringComparison.Ordinal)).Select(r => $"{r.Name} ({r.Median:F2})").ToArray();
        md.Add("");
        md.Add(below.Length == 0 ? "Every median ratio against PyTorch eager is ≥ 1.0." : $"Median ratios below 1.0: {string.Join(", ", below)}.");
        var notes = Path.Combine(root, "benchmarks/results-notes.md");
        if (File.Exists(notes))
        {
            md.Add("");
            md.Add(File.ReadAllText(notes).TrimEnd());
        }
        File.WriteAllText(Path.Combine(writeDir, "RESULTS.md"), string.Join("\n", md) + "\n");
        Console.WriteLine(string.Join("\n", md));
    }

    private static void WithCpu(List<Row> rows, int from, double cpuMedian)
    {
        for (int i = from; i < rows.Count; i++) rows[i] = rows[i] with { CpuMedian = cpuMedian };
    }

    private static string Shape(JsonNode c)
    {
        var s = c["shape"]!;
        return (string)c["kind"]! switch
        {
            "sft" or "grpo" => $"{s["Batch"]} × {s["Seq"]} tokens" + ((string)c["kind"]! == "grpo" ? $" (prompt {s["Prompt"]})" : ""),
            "prm" => $"{s["Items"]} items of {(int)s["Seq"]! / 2}–{(int)s["Seq"]! - 1} tokens, batches of {s["Batch"]}, {s["Steps"]} steps each",
            _ => $"batch {s["Batch"]}, prompt {s["Prompt"]}, {s["NewTokens"]} new tokens",
        } + $", {c["rounds"]} rounds × {c["iters"]}";
    }

    private static int CellOrder(string file)
    {
        var n = Path.GetFileName(file);
        return n.StartsWith("sft", StringComparison.Ordinal) ? 0 : n.StartsWith("grpo", StringComparison.Ordinal) ? 1 : n.StartsWith("prm", StringComparison.Ordinal) ? 2 : 3;
    }

    /// <summary>No peer (the GPU run) leaves peer figures and ratios undefined: null in JSON, "—" in Markdown.</summary>
    private static double? Round(double x, int digits) => double.IsFinite(x) ? Math.Round(x, digits) : null;

    private static string Format(double x) => !double.IsFinite(x) ? "—" : x >= 100 ? x.ToString("F0") : x >= 1 ? x.ToString("F1") : x.ToString("F3");

    private static List<(double Peer, double Ours)> Pairs(JsonNode series) =>
        series.AsArray().Select(p => ((double?)p![0] ?? double.NaN, (double?)p[1] ?? double.NaN)).ToList();

    private static Row Throughput(string name, long tokens, List<(double Peer, double Ours)> pairs, double oursMb, double peerMb, string note)
    {
        var ratios = pairs.Select(p => p.Peer / p.Ours).ToArray();
        return new Row(name, tokens / Median(pairs.Select(p => p.Ours)), tokens / Median(pairs.Select(p => p.Peer)), "tokens/s",
            ratios.Min(), Median(ratios), ratios.Max(), oursMb, peerMb, note);
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.OrderBy(x => x).ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    private static double GemmPeakGflops(string root)
    {
        var path = Path.Combine(root, "benchmarks/TorchBench/results/torch-binding.json");
        return File.Exists(path) ? (double?)JsonNode.Parse(File.ReadAllText(path))!["gemm_peak_gflops_fp32"] ?? 0 : 0;
    }
}
