using ReasonFlux.IO;

namespace ReasonFlux.Training.Report;

/// <summary>How many records of each pool quality (the pool's "quality" field) a selection kept.</summary>
public static class SelectionQuality
{
    public const string QualityField = "quality";

    /// <summary>Counts by quality in <c>DIR/selected.jsonl</c>; records without the field count as "unknown".</summary>
    public static IReadOnlyDictionary<string, int> Count(string selectionOutput)
    {
        var path = Path.Combine(selectionOutput, "selected.jsonl");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no selected.jsonl here; does the key name a select stage's output?", path);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in JsonlReader.Read(path))
        {
            var q = r.GetOptionalString(QualityField) ?? "unknown";
            counts[q] = counts.GetValueOrDefault(q) + 1;
        }
        return counts;
    }
}
