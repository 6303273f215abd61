using System.Text.Json;
using System.Text.Json.Nodes;
using ReasonFlux.IO;

namespace ReasonFlux.Grading.Datasets;

/// <summary>
/// Loads question/answer JSONL: the shipped benchmarks (data/benchmarks: math500, aime24, aime25, amc23)
/// or any file whose lines carry "problem" and "answer" ("id" optional; the line number stands in).
/// Errors name the file, line and field.
/// </summary>
public static class BenchmarkDataset
{
    /// <summary>Names of the benchmarks shipped in data/benchmarks.</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = ["math500", "aime24", "aime25", "amc23"];

    /// <summary>Reads a JSONL file with "problem" and "answer" (a string or a number) per line.</summary>
    public static IReadOnlyList<BenchmarkItem> LoadJsonl(string path, GradingTask task = GradingTask.Math)
    {
        var items = new List<BenchmarkItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in JsonlReader.Read(path))
        {
            var item = ReadItem(record, task);
            if (!seen.Add(item.Id)) throw record.Error($"duplicate id \"{item.Id}\"");
            items.Add(item);
        }
        if (items.Count == 0) throw new InvalidDataException($"{path}: no items");
        return items;
    }

    /// <summary>One line's item ("problem", a non-empty "answer", "id" or the line number); throws naming file:line. Also what <c>train --dry-run</c> checks.</summary>
    public static BenchmarkItem ReadItem(JsonlRecord record, GradingTask task = GradingTask.Math)
    {
        var problem = record.GetString("problem");
        var answer = ReadAnswer(record);
        if (answer.Trim().Length == 0) throw record.Error("field \"answer\" is empty");
        var id = record.Has("id") ? ReadScalar(record, "id") : $"L{record.LineNumber}";
        return new BenchmarkItem(id, problem, answer, task);
    }

    /// <summary>Loads a shipped benchmark by name from <paramref name="dataDirectory"/> (default: <see cref="FindDataDirectory"/>).</summary>
    public static IReadOnlyList<BenchmarkItem> LoadBuiltIn(string name, string? dataDirectory = null)
    {
        if (!BuiltInNames.Contains(name))
            throw new ArgumentException($"unknown benchmark \"{name}\"; expected one of {string.Join(", ", BuiltInNames)}", nameof(name));
        dataDirectory ??= FindDataDirectory()
            ?? throw new DirectoryNotFoundException("data/benchmarks not found above " + AppContext.BaseDirectory + "; pass the directory explicitly");
        return LoadJsonl(Path.Combine(dataDirectory, name + ".jsonl"));
    }

    /// <summary>The nearest "data/benchmarks" folder above the working directory or the application folder, or null.</summary>
    public static string? FindDataDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "benchmarks");
                if (File.Exists(Path.Combine(candidate, "MANIFEST.json"))) return candidate;
            }
        }
        return null;
    }

    private static string ReadAnswer(JsonlRecord record) => ReadScalar(record, "answer");

    /// <summary>A string field, or a number kept as written (AMC answers are sometimes floats in other copies).</summary>
    private static string ReadScalar(JsonlRecord record, string key)
    {
        var node = record.Value[key] ?? throw record.Error($"missing required field \"{key}\"");
        if (node is JsonValue v)
        {
            if (v.TryGetValue<string>(out var s)) return s;
            if (v.GetValueKind() == JsonValueKind.Number) return v.ToJsonString();
        }
        throw record.Error($"field \"{key}\" must be a string or a number, got {node.GetValueKind()}");
    }
}
