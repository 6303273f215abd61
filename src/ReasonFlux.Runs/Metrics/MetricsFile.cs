using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Runs;

/// <summary>One metric's values by step.</summary>
public sealed record MetricSeries(string Name, IReadOnlyList<long> Steps, IReadOnlyList<double> Values);

/// <summary>Reads metrics.jsonl back into series (for plots and tools). Bad lines fail with file:line.</summary>
public static class MetricsFile
{
    /// <summary>Every metric in the file, in first-seen order; null values are skipped, non-finite strings kept.</summary>
    public static IReadOnlyList<MetricSeries> Read(string path)
    {
        var order = new List<string>();
        var data = new Dictionary<string, (List<long> Steps, List<double> Values)>();
        foreach (var record in JsonlReader.Read(path))
        {
            long step = StepOf(record);
            foreach (var (name, node) in record.Value)
            {
                if (name is "step" or "time" || node is null) continue;
                double value = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>()
                    : node is JsonValue s && s.TryGetValue<string>(out var text) && text is "NaN" or "Infinity" or "-Infinity"
                        ? double.Parse(text, CultureInfo.InvariantCulture)
                        : throw record.Error($"metric \"{name}\" must be a number, got {node.ToJsonString()}");
                if (!data.TryGetValue(name, out var series))
                {
                    data[name] = series = ([], []);
                    order.Add(name);
                }
                series.Steps.Add(step);
                series.Values.Add(value);
            }
        }
        return order.Select(n => new MetricSeries(n, data[n].Steps, data[n].Values)).ToList();
    }

    internal static long StepOf(JsonlRecord record) =>
        record.Value["step"] is JsonValue v && v.TryGetValue<long>(out var step) ? step
        : record.Value["step"] is JsonValue d && d.TryGetValue<double>(out var f) && f == Math.Floor(f) ? (long)f
        : throw record.Error("missing integer field \"step\"");
}
