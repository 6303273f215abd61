using System.Text.Json.Nodes;
using ReasonFlux.Training.Eval;

namespace ReasonFlux.Training.Report;

/// <summary>The parts of an eval stage's summary.json a report uses.</summary>
public sealed record EvalSummaryFile(string Path, int Problems, int SamplesPerProblem, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Reads <c>DIR/summary.json</c>; a missing file or metric block is an error naming the file.</summary>
    public static EvalSummaryFile Read(string outputDirectory)
    {
        var path = System.IO.Path.Combine(outputDirectory, EvalReport.SummaryJsonFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no eval summary here; does the key name an eval stage's output?", path);
        var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        if (json["metrics"] is not JsonObject metrics) throw new InvalidDataException($"{path}: no \"metrics\" object");
        var values = new Dictionary<string, double>();
        foreach (var (name, node) in metrics)
            if (node is JsonValue v && v.TryGetValue<double>(out var d)) values[name] = d;
        return new EvalSummaryFile(path, (int?)json["problems"] ?? 0, (int?)json["samples_per_problem"] ?? 0, values);
    }

    public double Metric(string name) =>
        Metrics.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"{Path}: no metric \"{name}\" (it has {string.Join(", ", Metrics.Keys)})");

    /// <summary>pass@1, maj@K and pass@K at K = samples per problem, and bon@N when present.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["problems"] = Problems, ["samples_per_problem"] = SamplesPerProblem };
        foreach (var (name, v) in Metrics.Where(kv => kv.Key != "accuracy")) o[name] = Math.Round(v, 6);
        return o;
    }
}
