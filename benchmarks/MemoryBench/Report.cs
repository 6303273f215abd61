using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MemoryBench;

/// <summary>results JSON (every cell plus the on/off ratios) and its markdown table.</summary>
internal static class Report
{
    /// <summary>Issue 11's bar: with checkpointing, SFT at 4 × 1024 tokens peaks at no more than this share of the peak without it.</summary>
    public const double CheckpointingBar = 0.75;

    public static JsonObject Build(string model, int threads, string libtorch, JsonArray cells)
    {
        var list = cells.Select(c => c!.AsObject()).ToList();
        double Peak(string kind, int rows, bool ckpt, bool chunk) => list.Single(c =>
            (string)c["kind"]! == kind && (int)c["rows"]! == rows && (bool)c["gradient_checkpointing"]! == ckpt && (bool)c["chunked_logprobs"]! == chunk)["peak_rss_mb"]!.GetValue<double>();
        var ratios = new JsonArray();
        foreach (var kind in new[] { "sft", "grpo" })
            foreach (var rows in new[] { 1, 4 })
                foreach (var chunk in new[] { false, true })
                    ratios.Add(new JsonObject
                    {
                        ["kind"] = kind, ["rows"] = rows, ["chunked_logprobs"] = chunk,
                        ["checkpointing_on_over_off"] = Math.Round(Peak(kind, rows, true, chunk) / Peak(kind, rows, false, chunk), 3),
                    });
        double done = Peak("sft", 4, true, true) / Peak("sft", 4, false, true);
        return new JsonObject
        {
            ["model"] = "builtin:" + model, ["libtorch"] = libtorch, ["threads"] = threads,
            ["cores"] = Environment.ProcessorCount, ["dtype"] = "float32", ["device"] = "cpu",
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            ["cells"] = new JsonArray(list.Select(c => (JsonNode)c.DeepClone()).ToArray()),
            ["ratios"] = ratios,
            ["done_when"] = new JsonObject
            {
                ["what"] = "peak RSS of SFT at 4 x 1024 tokens, gradient_checkpointing on / off (chunked log-probs on, the default)",
                ["ratio"] = Math.Round(done, 3), ["bar"] = CheckpointingBar, ["pass"] = done <= CheckpointingBar,
            },
        };
    }

    public static string Markdown(JsonObject r)
    {
        var s = new StringBuilder();
        var cells = r["cells"]!.AsArray().Select(c => c!.AsObject()).ToList();
        string F(JsonNode? n) => n!.GetValue<double>().ToString("F0", CultureInfo.InvariantCulture);
        string OnOff(JsonNode? n) => (bool)n! ? "on" : "off";
        s.AppendLine("# MemoryBench: peak memory of an SFT step and a GRPO update");
        s.AppendLine();
        s.AppendLine("Written by `benchmarks/MemoryBench` (do not edit by hand). One optimizer step per configuration, each in a fresh");
        s.AppendLine($"process, through the product's `SftTrainer` and `GrpoUpdate` on `{r["model"]}` ({r["dtype"]}, {r["device"]}, libtorch {r["libtorch"]},");
        s.AppendLine($"{r["threads"]} threads on {r["cores"]} cores, {r["date_utc"]} UTC; 1-minute load average per cell: {string.Join(", ", cells.Select(c => (string)c["load_average"]!))}).");
        s.AppendLine("Peak = the process's VmHWM over the whole cell (runtime, weights, gradients, AdamW moments and the step's activations);");
        s.AppendLine("after load = VmRSS once the model is loaded, before the step. Chunked off = `LogitsChunk` 0: the full [N, V] fp32 logits; chunked");
        s.AppendLine("on = 1024 positions of logits at a time, recomputed in backward (`LogitsKeepElements` 0). GRPO rows are a 64-token prompt plus a 960-token completion, entropy computed, no reference model.");
        s.AppendLine();
        s.AppendLine("| update | tokens | checkpointing | chunked log-probs | peak RSS MB | after load MB | step adds MB | seconds |");
        s.AppendLine("|---|---|---|---|---:|---:|---:|---:|");
        foreach (var c in cells)
            s.AppendLine($"| {c["kind"]} | {c["rows"]} × {c["seq"]} | {OnOff(c["gradient_checkpointing"])} | {OnOff(c["chunked_logprobs"])} | {F(c["peak_rss_mb"])} | {F(c["rss_after_load_mb"])} | " +
                         $"{(c["peak_rss_mb"]!.GetValue<double>() - c["rss_after_load_mb"]!.GetValue<double>()).ToString("F0", CultureInfo.InvariantCulture)} | {c["seconds"]} |");
        s.AppendLine();
        s.AppendLine("Peak with checkpointing on / off:");
        s.AppendLine();
        s.AppendLine("| update | tokens | chunked log-probs | on / off |");
        s.AppendLine("|---|---|---|---:|");
        foreach (var q in r["ratios"]!.AsArray().Select(x => x!.AsObject()))
            s.AppendLine($"| {q["kind"]} | {q["rows"]} × 1024 | {OnOff(q["chunked_logprobs"])} | {q["checkpointing_on_over_off"]} |");
        var d = r["done_when"]!.AsObject();
        s.AppendLine();
        s.AppendLine($"Issue 11's check, {d["what"]}: **{d["ratio"]}** (bar ≤ {d["bar"]}): {((bool)d["pass"]! ? "passes" : "fails")}.");
        s.AppendLine();
        s.AppendLine("Run: `dotnet build benchmarks/MemoryBench -c Release && benchmarks/MemoryBench/bin/Release/net10.0/MemoryBench` (about");
        s.AppendLine("16 single-step cells; minutes on 2 idle cores).");
        return s.ToString();
    }
}
